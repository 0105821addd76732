using Portage.Core.Sources;
using Portage.Core.Windows;

namespace Portage.Core.Ingest;

/// <summary>Ingest targets of every kind: durable data sources and context windows (ephemeral sources).</summary>
public sealed class DataSourceIngestTargets(IDataSourceStore sources) : IIngestTargets
{
    /// <inheritdoc/>
    public async Task<IngestTarget?> FindAsync(string sandboxId, string dataSourceId, CancellationToken cancellationToken) =>
        await sources.GetSourceAsync(sandboxId, dataSourceId, cancellationToken) is { } source
            ? new IngestTarget(source.Id, source.IsEphemeral ? WindowRecord.Of(source) : null)
            : null;
}
