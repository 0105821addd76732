using Portage.Core.Windows;

namespace Portage.Core.Ingest;

/// <summary>
/// Finds the data source an ingest names. The default knows context windows (ephemeral sources) only; a store with
/// durable sources registers its own (replacing this one), answering for both kinds.
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

/// <summary>The default <see cref="IIngestTargets"/>: context windows.</summary>
public sealed class WindowIngestTargets(IWindowStore windows) : IIngestTargets
{
    /// <inheritdoc/>
    public async Task<IngestTarget?> FindAsync(string sandboxId, string dataSourceId, CancellationToken cancellationToken) =>
        await windows.GetWindowAsync(sandboxId, dataSourceId, null, cancellationToken) is { } window ? new IngestTarget(window.Id, window) : null;
}
