using System.Globalization;
using Microsoft.Data.Sqlite;
using Portage.Storage.Sqlite;

namespace Portage.Storage.Tests;

/// <summary>The conformance suite on the embedded store, one fresh database file per test, plus its migrations.</summary>
public sealed class SqliteStoreConformanceTests : StoreConformanceTests
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portage-storage-tests", Guid.NewGuid().ToString("N"));
    private SqliteDatabase? _database;

    private string DatabasePath => Path.Combine(_folder, "portage.db");

    protected override Task<StoreSet> CreateStoresAsync() => Task.FromResult(Open());

    protected override Task DisposeStoresAsync()
    {
        _database?.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Reopening_an_existing_database_file_keeps_its_data()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        await StartAsync(Run("run_1", window, session), session, newSession: true, "remember me");

        var reopened = Open();

        Assert.True(await reopened.Tenancy.AnyAccountAsync(None));
        Assert.Equal(KeyA, await reopened.Tenancy.FindApiKeyByHashAsync(KeyA.KeyHash, None));
        Assert.Equal(window with { TurnCount = 1 }, await reopened.Windows.GetWindowAsync(SandboxA, "ds_1", UserA, None));
        Assert.Equal("remember me", Assert.Single(await reopened.Windows.ListTurnsAsync(SandboxA, "ds_1", 0, 100, None)).Text);
        Assert.Equal(session, await reopened.Sessions.GetSessionAsync(SandboxA, "sess_1", UserA, None));
    }

    [Fact]
    public async Task Schema_version_is_the_latest_migration_also_after_reopening()
    {
        await SeedTenantsAsync();
        Assert.Equal(SqliteDatabase.LatestVersion, await UserVersionAsync());

        var reopened = Open();
        Assert.True(await reopened.Tenancy.AnyAccountAsync(None));

        Assert.True(SqliteDatabase.LatestVersion >= 1);
        Assert.Equal(SqliteDatabase.LatestVersion, await UserVersionAsync());
    }

    [Fact]
    public async Task Database_file_is_created_on_first_use_in_a_missing_folder()
    {
        Assert.False(File.Exists(DatabasePath));

        Assert.False(await Tenancy.AnyAccountAsync(None));

        Assert.True(File.Exists(DatabasePath));
        Assert.Equal(SqliteDatabase.LatestVersion, await UserVersionAsync());
    }

    [Fact]
    public async Task Bundled_sqlite_has_fts5_with_bm25_and_the_porter_tokenizer()
    {
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT sqlite_compileoption_used('ENABLE_FTS5');" +
            "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'porter unicode61');" +
            "INSERT INTO t(body) VALUES ('installing the agent'), ('nothing here');" +
            "SELECT body, bm25(t) FROM t WHERE t MATCH '\"install\"' ORDER BY bm25(t);";
        await using var reader = await command.ExecuteReaderAsync();

        Assert.True(await reader.ReadAsync());
        Assert.Equal(1L, reader.GetInt64(0));
        Assert.True(await reader.NextResultAsync());
        Assert.True(await reader.ReadAsync());
        Assert.Equal("installing the agent", reader.GetString(0));
        Assert.True(reader.GetDouble(1) < 0);
        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public async Task Full_text_index_stays_in_step_with_chunks_through_duplicates_and_deletes()
    {
        await SeedTenantsAsync();
        await IndexAsync("job_1", Chunk("chunk:gone", "ephemeral marmalade"), Chunk("chunk:kept", "lasting marmalade"));
        Assert.Equal(0, await IndexAsync("job_2", Chunk("chunk:again", "lasting marmalade")));
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString()))
        {
            await connection.OpenAsync();
            await using var delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM chunks WHERE id = 'chunk:gone'; INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check');";
            await delete.ExecuteNonQueryAsync();
        }

        var hits = await Content.SearchAsync(new Portage.Core.Retrieval.ContentQuery(SandboxA, "marmalade", null, null, new HashSet<string>(), 10), None);

        Assert.Equal("chunk:kept", Assert.Single(hits).Chunk.Id);
    }

    protected override async Task<IReadOnlyList<string>> RowsMentioningAsync(string marker)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            // FTS5's shadow tables hold its index as binary segments; the chunks_fts table itself is scanned.
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'chunks_fts_%' ORDER BY name";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var hits = new List<string>();
        foreach (var table in tables)
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var row = string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)));
                if (row.Contains(marker, StringComparison.Ordinal))
                {
                    hits.Add($"{table}: {row}");
                }
            }
        }

        return hits;
    }

    // Disposes the current database (closing its pooled connections) and opens the same file again, as a restart would.
    protected override StoreSet Reopen() => Open();

    private StoreSet Open()
    {
        _database?.Dispose();
        _database = SqliteDatabase.ForFile(DatabasePath);
        var store = new SqliteStore(_database);
        return new StoreSet(store, store, store, store, store, store, store, store, store);
    }

    private async Task<int> UserVersionAsync()
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = DatabasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
