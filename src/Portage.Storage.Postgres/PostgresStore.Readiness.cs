using Portage.Core.Storage;

namespace Portage.Storage.Postgres;

public sealed partial class PostgresStore
{
    /// <inheritdoc/>
    public async Task<StoreReadiness> CheckReadyAsync(CancellationToken cancellationToken) =>
        StoreReadiness.ForSchema(await database.SchemaVersionAsync(cancellationToken), PostgresDatabase.LatestVersion);
}
