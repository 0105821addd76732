using Portage.Core.Sources;

namespace Portage.Core.Retrieval;

/// <summary>Purging a data source deletes its indexed chunks (its conversation memory among them) and a window's delivery ledger.</summary>
public sealed class ContentPurge(IContentIndex index) : IPurgeParticipant
{
    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, long>> PurgeAsync(DataSourceRecord source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var (chunks, deliveries, jobs) = await index.PurgeSourceAsync(source.SandboxId, source.Id, cancellationToken);
        return new Dictionary<string, long> { ["chunks_deleted"] = chunks, ["deliveries_deleted"] = deliveries, ["ingest_jobs_cancelled"] = jobs };
    }
}
