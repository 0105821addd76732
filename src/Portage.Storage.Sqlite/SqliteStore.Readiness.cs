using Portage.Core.Storage;

namespace Portage.Storage.Sqlite;

public sealed partial class SqliteStore
{
    /// <inheritdoc/>
    public async Task<StoreReadiness> CheckReadyAsync(CancellationToken cancellationToken) =>
        StoreReadiness.ForSchema(await database.SchemaVersionAsync(cancellationToken), SqliteDatabase.LatestVersion);
}
