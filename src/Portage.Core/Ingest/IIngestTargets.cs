using Portage.Core.Windows;

namespace Portage.Core.Ingest;

/// <summary>
/// Finds the data source an ingest names (<see cref="DataSourceIngestTargets"/>: durable sources and context windows).
/// </summary>
public interface IIngestTargets
{
    /// <summary>The data source of the sandbox, or null when the sandbox has none with this id.</summary>
    Task<IngestTarget?> FindAsync(string sandboxId, string dataSourceId, CancellationToken cancellationToken);
}

/// <summary>A data source content can be ingested into.</summary>
/// <param name="DataSourceId">Its id.</param>
/// <param name="Window">Set when the source is a context window (<c>kind: ephemeral</c>).</param>
public sealed record IngestTarget(string DataSourceId, WindowRecord? Window);
