using Portage.Storage.Postgres;
using Portage.Testing.Postgres;

namespace Portage.Storage.Tests;

/// <summary>
/// The conformance suite on the PostgreSQL store, one fresh schema per test (see <see cref="TestPostgres"/>: skipped,
/// with the reason, when no PostgreSQL server can be had), plus what only PostgreSQL has: migrations under an advisory
/// lock, several processes on one database, the tsvector index.
/// </summary>
public sealed partial class PostgresStoreConformanceTests : StoreConformanceTests
{
    private readonly List<PostgresDatabase> _databases = [];
    private TestSchema? _schema;

    private TestSchema Schema => _schema ?? throw new InvalidOperationException("The schema is created in InitializeAsync.");

    protected override async Task<StoreSet> CreateStoresAsync()
    {
        _schema = await TestPostgres.CreateSchemaAsync();
        return Open();
    }

    protected override async Task DisposeStoresAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }

    protected override async Task<IReadOnlyList<string>> RowsMentioningAsync(string marker)
    {
        await using var connection = new Npgsql.NpgsqlConnection(Schema.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new Npgsql.NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var hits = new List<string>();
        foreach (var table in tables)
        {
            // A row cast to text holds every column, whatever its type.
            await using var select = new Npgsql.NpgsqlCommand($"SELECT t::text FROM \"{table}\" AS t WHERE strpos(t::text, @marker) > 0 ORDER BY 1", connection);
            select.Parameters.AddWithValue("marker", marker);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                hits.Add($"{table}: {reader.GetString(0)}");
            }
        }

        return hits;
    }

    // Another store on the same database, as a second router process (or a restart) would have: its own pool.
    protected override StoreSet Reopen() => Open();

    private StoreSet Open() => StoresOf(new PostgresStore(OpenDatabase()));

    private PostgresDatabase OpenDatabase()
    {
        var database = new PostgresDatabase(Schema.ConnectionString);
        _databases.Add(database);
        return database;
    }

    private static StoreSet StoresOf(PostgresStore store) => new(store, store, store, store, store, store, store, store, store);
}
