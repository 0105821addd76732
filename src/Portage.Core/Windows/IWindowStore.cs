namespace Portage.Core.Windows;

/// <summary>
/// Storage seam for context windows and their turns. Every call takes the sandbox id; calls on the run path also take
/// the end user id, and a window of another sandbox or end user is answered exactly as a missing one (rule 2).
/// Windows are the ephemeral data sources of <see cref="Sources.IDataSourceStore"/>: a durable source is never
/// returned, changed, bound or swept here.
/// </summary>
public interface IWindowStore
{
    /// <summary>Adds a window.</summary>
    Task CreateWindowAsync(WindowRecord window, CancellationToken cancellationToken);

    /// <summary>A window of the sandbox (and of the end user, when given), or null.</summary>
    Task<WindowRecord?> GetWindowAsync(string sandboxId, string windowId, string? endUserId, CancellationToken cancellationToken);

    /// <summary>Windows of the sandbox, newest activity first, optionally filtered.</summary>
    Task<IReadOnlyList<WindowRecord>> ListWindowsAsync(string sandboxId, string? endUserId, string? status, CancellationToken cancellationToken);

    /// <summary>Rule 3(d): the most recently active, non-archived window of (sandbox, end user), or null.</summary>
    Task<WindowRecord?> FindActiveWindowAsync(string sandboxId, string endUserId, CancellationToken cancellationToken);

    /// <summary>
    /// A page of a window's turns in order: at most <paramref name="limit"/> turns after the sequence number
    /// <paramref name="afterSeq"/> (0 from the start). Readers page with the last seq they got, so no read holds a
    /// window of any length whole.
    /// </summary>
    Task<IReadOnlyList<TurnRecord>> ListTurnsAsync(string sandboxId, string windowId, long afterSeq, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The newest turns of a window strictly between <paramref name="afterSeq"/> and <paramref name="beforeSeq"/>, at
    /// most <paramref name="limit"/>, returned oldest first: a run reads a long window backwards, a page at a time,
    /// only as far as its context budget reaches.
    /// </summary>
    Task<IReadOnlyList<TurnRecord>> ListTurnsBeforeAsync(string sandboxId, string windowId, long beforeSeq, long afterSeq, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Appends a turn outside a run's start and end (a compaction's summary) in its own transaction, and returns its
    /// seq; null when the sandbox has no such window. The caller holds the window's lease (rule 8).
    /// </summary>
    Task<long?> AppendTurnAsync(string sandboxId, string windowId, NewTurn turn, CancellationToken cancellationToken);

    /// <summary>Sets status and archive reason; false when the sandbox has no such window.</summary>
    Task<bool> SetWindowStatusAsync(string sandboxId, string windowId, string status, string? archivedReason, CancellationToken cancellationToken);

    /// <summary>Binds a window that has no end user yet to one (a window created through the sources API).</summary>
    Task BindEndUserAsync(string sandboxId, string windowId, string endUserId, CancellationToken cancellationToken);

    /// <summary>
    /// Archives (reason <c>inactivity</c>) the active windows last active before <paramref name="inactiveSince"/>, in
    /// one sandbox or in all when <paramref name="sandboxId"/> is null, skipping windows with a live run. Returns the count.
    /// </summary>
    Task<int> ArchiveInactiveWindowsAsync(string? sandboxId, DateTimeOffset inactiveSince, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Rule 8: takes the window's run lease unless another run holds an unexpired one.</summary>
    Task<bool> TryAcquireLeaseAsync(string windowId, string runId, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Extends the lease held by the run.</summary>
    Task RenewLeaseAsync(string windowId, string runId, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Gives the lease up if the run holds it.</summary>
    Task ReleaseLeaseAsync(string windowId, string runId, CancellationToken cancellationToken);
}
