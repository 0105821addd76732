using System.Data.Common;
using Portage.Core;
using Portage.Storage.Sql;

namespace Portage.Storage.Sqlite;

/// <summary>
/// The embedded store: one class, one database, every seam of the engine. The statements it shares with the
/// PostgreSQL store are in <see cref="SqlStore"/>; here are its connections and the statements only SQLite has
/// (FTS5 search, the ingest claim, usage sums over the stored JSON).
/// </summary>
/// <param name="database">The database file.</param>
public sealed partial class SqliteStore(SqliteDatabase database) : SqlStore(SqliteDialect.Instance)
{
    /// <inheritdoc/>
    public override async Task<StoreReadiness> CheckReadyAsync(CancellationToken cancellationToken) =>
        StoreReadiness.ForSchema(await database.SchemaVersionAsync(cancellationToken), SqliteDatabase.LatestVersion);

    /// <inheritdoc/>
    protected override async Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken) => await database.OpenAsync(cancellationToken);

    /// <inheritdoc/>
    protected override async Task<DbConnection> OpenWriterAsync(CancellationToken cancellationToken) => await database.OpenWriterAsync(cancellationToken);
}
