using Portage.Core.Sources;
using Portage.Core.Windows;

namespace Portage.Core.Ingest;

/// <summary>Ingest targets of every kind: durable data sources and context windows (ephemeral sources).</summary>
public sealed class DataSourceIngestTargets(IDataSourceStore sources, IWindowStore windows) : IIngestTargets
{
    /// <inheritdoc/>
    public async Task<IngestTarget?> FindAsync(string sandboxId, string dataSourceId, CancellationToken cancellationToken)
    {
        var source = await sources.GetSourceAsync(sandboxId, dataSourceId, cancellationToken);
        if (source is null)
        {
            return null;
        }

        var window = source.Kind == SourceKind.Ephemeral ? await windows.GetWindowAsync(sandboxId, dataSourceId, null, cancellationToken) : null;
        return new IngestTarget(source.Id, window);
    }
}
