using Portage.Storage.Sql;

namespace Portage.Storage.Postgres;

/// <summary>
/// The PostgreSQL store: one class, one database, every seam of the engine. Safe for several router processes on one
/// database: what must not race (window leases, job claims, turn numbering, read-modify-write updates) is one atomic
/// statement or a row lock. The statements it shares with the SQLite store are in <see cref="SqlStore"/>; here is what
/// only PostgreSQL has: the tsvector search, the SKIP LOCKED claim and batched inserts.
/// </summary>
/// <param name="database">The database.</param>
public sealed partial class PostgresStore(PostgresDatabase database) : SqlStore(database, PostgresDialect.Instance)
{
    private readonly PostgresDatabase _database = database;
}
