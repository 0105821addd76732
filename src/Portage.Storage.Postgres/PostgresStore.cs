using System.Data.Common;
using Portage.Core;
using Portage.Storage.Sql;

namespace Portage.Storage.Postgres;

/// <summary>
/// The PostgreSQL store: one class, one database, every seam of the engine. Safe for several router processes on one
/// database: what must not race (window leases, job claims, turn numbering, read-modify-write updates) is one atomic
/// statement or a row lock. The statements it shares with the SQLite store are in <see cref="SqlStore"/>; here are its
/// connections and what only PostgreSQL has (tsvector search, the SKIP LOCKED claim, usage sums over jsonb, batches).
/// </summary>
/// <param name="database">The database.</param>
public sealed partial class PostgresStore(PostgresDatabase database) : SqlStore(PostgresDialect.Instance)
{
    /// <inheritdoc/>
    public override async Task<StoreReadiness> CheckReadyAsync(CancellationToken cancellationToken) =>
        StoreReadiness.ForSchema(await database.SchemaVersionAsync(cancellationToken), PostgresDatabase.LatestVersion);

    /// <inheritdoc/>
    protected override async Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken) => await database.OpenAsync(cancellationToken);

    /// <inheritdoc/>
    protected override Task<DbConnection> OpenWriterAsync(CancellationToken cancellationToken) => OpenReaderAsync(cancellationToken);
}
