using Portage.Core.Sources;
using Portage.Core.Tenancy;

namespace Portage.Core.Retrieval;

/// <summary>Purging a data source deletes its indexed chunks (its conversation memory among them) and a window's delivery ledger.</summary>
public sealed class ContentPurge(IContentIndex index, SandboxCache sandboxes) : IPurgeParticipant
{
    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, long>> PurgeAsync(DataSourceRecord source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var (chunks, deliveries, jobs) = await index.PurgeSourceAsync(source.SandboxId, source.Id, cancellationToken);
        if (chunks > 0)
        {
            // The sandbox may have no shared content left (SharedContent): its runs stop offering retrieval.
            await sandboxes.ChangedAsync(source.SandboxId);
        }

        return new Dictionary<string, long> { ["chunks_deleted"] = chunks, ["deliveries_deleted"] = deliveries, ["ingest_jobs_cancelled"] = jobs };
    }
}
