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

    // Another store on the same database, as a second router process (or a restart) would have: its own pool.
    private StoreSet Open() => StoresOf(new PostgresStore(OpenDatabase()));

    private PostgresDatabase OpenDatabase()
    {
        var database = new PostgresDatabase(Schema.ConnectionString);
        _databases.Add(database);
        return database;
    }

    private static StoreSet StoresOf(PostgresStore store) => new(store, store, store, store, store, store, store);
}
