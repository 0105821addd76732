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
        Assert.Equal("remember me", Assert.Single(await reopened.Windows.ListTurnsAsync(SandboxA, "ds_1", 0, None)).Text);
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

    // Disposes the current database (closing its pooled connections) and opens the same file again, as a restart would.
    private StoreSet Open()
    {
        _database?.Dispose();
        _database = SqliteDatabase.ForFile(DatabasePath);
        var store = new SqliteStore(_database);
        return new StoreSet(store, store, store, store, store);
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
