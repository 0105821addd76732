namespace Portage.Core.Sources;

/// <summary>
/// Something outside the source registry that keeps data of a source (indexed chunks, a window's delivery ledger,
/// ingest jobs) and deletes it when the source is purged. Register implementations in DI
/// (<c>services.AddSingleton&lt;IPurgeParticipant, …&gt;()</c>); <see cref="DataSourceService.PurgeAsync"/> calls
/// every one, after the window's turns and sessions are gone and before the registration is deleted.
/// </summary>
public interface IPurgeParticipant
{
    /// <summary>
    /// Deletes what this participant keeps for <paramref name="source"/> and returns how much, by the snake_case name
    /// of the count on the wire (for example <c>chunks_deleted</c>). Must be idempotent: a purge may be retried.
    /// </summary>
    Task<IReadOnlyDictionary<string, long>> PurgeAsync(DataSourceRecord source, CancellationToken cancellationToken);
}
