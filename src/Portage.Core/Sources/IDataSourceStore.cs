using Portage.Core.Storage;

namespace Portage.Core.Sources;

/// <summary>
/// Storage seam for the management of data sources, durable and ephemeral, in one table with the context windows of
/// <see cref="Windows.IWindowStore"/> (the run path's view of the ephemeral rows). Every call takes the sandbox id; a
/// source of another sandbox is answered exactly as a missing one (rule 2).
/// </summary>
public interface IDataSourceStore
{
    /// <summary>Adds a source with every field of the record.</summary>
    Task CreateSourceAsync(DataSourceRecord source, CancellationToken cancellationToken);

    /// <summary>A source of the sandbox, of either kind, or null.</summary>
    Task<DataSourceRecord?> GetSourceAsync(string sandboxId, string sourceId, CancellationToken cancellationToken);

    /// <summary>
    /// A page of the sandbox's sources matching every non-null filter, newest activity first (then by id): at most
    /// <paramref name="limit"/>, after <paramref name="after"/> (the last source of the previous page: its
    /// <c>last_active_at</c> and id), or from the start when null.
    /// </summary>
    Task<IReadOnlyList<DataSourceRecord>> ListSourcesAsync(string sandboxId, DataSourceFilter filter, ListCursor? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the source and writes back what <paramref name="update"/> makes of it, atomically, so concurrent updates
    /// (a merge of adapter settings, a status change) never lose each other. Written: name, ingestion mode, status,
    /// archive reason, external account, adapter settings, poll interval, project, webhook URL and last sync. The
    /// rest (kind, provider, end user, times, turn count, lease) is kept. When <paramref name="update"/> throws, nothing
    /// is written and the exception propagates. Null when the sandbox has no such source.
    /// </summary>
    Task<DataSourceRecord?> UpdateSourceAsync(string sandboxId, string sourceId, Func<DataSourceRecord, DataSourceRecord> update, CancellationToken cancellationToken);

    /// <summary>Deletes the registration only, and only when no turns, sessions or runs refer to it.</summary>
    Task<SourceDeletion> DeleteSourceAsync(string sandboxId, string sourceId, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: deletes the source's turns (its turn count restarts at 0) and the sessions bound to it; with
    /// <paramref name="deleteSource"/>, also its runs and the registration. Refused while a run holds an unexpired lease
    /// on it at <paramref name="now"/>.
    /// </summary>
    Task<SourcePurgeResult> PurgeSourceAsync(string sandboxId, string sourceId, bool deleteSource, DateTimeOffset now, CancellationToken cancellationToken);
}
