using Portage.Core.Storage;

namespace Portage.Core.Runs;

/// <summary>Storage seam for runs. Starting and ending a run are single transactions across runs, sessions and turns.</summary>
public interface IRunStore
{
    /// <summary>
    /// Writes the run, a new session if any, and the user turns; returns the sequence numbers of the user turns. Throws
    /// <see cref="DuplicateIdempotencyKeyException"/> (and writes nothing) when the run's idempotency key is taken, and
    /// <see cref="Windows.WindowChangedException"/> (and writes nothing) when <see cref="RunStart.TakeLease"/> cannot be taken.
    /// </summary>
    Task<IReadOnlyList<long>> StartRunAsync(RunStart start, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the end of a run (see <see cref="RunEnd"/>); returns the assistant turn's sequence number. Throws
    /// <see cref="RunAlreadyEndedException"/> (and writes nothing) when the run is no longer running: a sweep marked it
    /// interrupted, and a late end must not give the window a second outcome for it.
    /// </summary>
    Task<long> EndRunAsync(RunEnd end, CancellationToken cancellationToken);

    /// <summary>A run of the sandbox, or null.</summary>
    Task<RunRecord?> GetRunAsync(string sandboxId, string runId, CancellationToken cancellationToken);

    /// <summary>
    /// What copass-compat's <c>AgentRun</c> reads beside a run record, for each of <paramref name="runIds"/> that is a
    /// run of the sandbox: its answer's text and the session id that continues it.
    /// </summary>
    Task<IReadOnlyDictionary<string, RunOutput>> GetRunOutputsAsync(string sandboxId, IReadOnlyCollection<string> runIds, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> runs of the sandbox matching <paramref name="filter"/>, newest first (start time,
    /// then id, descending), strictly after <paramref name="after"/> when given.
    /// </summary>
    Task<IReadOnlyList<RunRecord>> ListRunsAsync(string sandboxId, RunFilter filter, RunCursor? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// A page of the end users of the sandbox: everyone with a window or a run, with their window count, the usage of
    /// all their runs, and the last time their windows or runs were active; most recently active first (then by id).
    /// At most <paramref name="limit"/>, after <paramref name="after"/> (the last end user of the previous page: its
    /// last activity and id), or from the start when null.
    /// </summary>
    Task<IReadOnlyList<EndUserSummary>> ListEndUsersAsync(string sandboxId, ListCursor? after, int limit, CancellationToken cancellationToken);

    /// <summary>Sums the usage of the runs started in the query's sandboxes and time range, grouped when asked.</summary>
    Task<UsageReport> SummarizeUsageAsync(UsageQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Rule 10: marks <c>interrupted</c> the runs still <c>running</c> whose process died, and drops their window
    /// leases; returns the count. With <paramref name="allRunning"/> (a single node at start-up) that is every running
    /// run; otherwise (replicas sharing the store) only runs that no longer hold an unexpired lease on their window.
    /// </summary>
    Task<int> InterruptOrphanedRunsAsync(DateTimeOffset now, bool allRunning, CancellationToken cancellationToken);

    /// <summary>The run of (sandbox, end user) started with this idempotency key, or null.</summary>
    Task<RunRecord?> FindRunByIdempotencyKeyAsync(string sandboxId, string endUserId, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>
    /// Appends frames to the event logs of one or more runs, in one write; a frame whose sequence number is already stored
    /// is ignored, so a batch whose write failed can be sent again whole.
    /// </summary>
    Task AppendRunEventsAsync(IReadOnlyList<RunFrames> batch, CancellationToken cancellationToken);

    /// <summary>Appends frames to a run's event log; a frame whose sequence number is already stored is ignored.</summary>
    Task AppendRunEventsAsync(string runId, IReadOnlyList<RunEventRecord> events, CancellationToken cancellationToken) =>
        AppendRunEventsAsync([new RunFrames(runId, events)], cancellationToken);

    /// <summary>Up to <paramref name="limit"/> stored frames of a run after <paramref name="afterSeq"/>, in order.</summary>
    Task<IReadOnlyList<RunEventRecord>> ListRunEventsAsync(string runId, long afterSeq, int limit, CancellationToken cancellationToken);

    /// <summary>Deletes the event logs of runs that ended before <paramref name="endedBefore"/>; returns the frames deleted.</summary>
    Task<long> DeleteRunEventsAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken);
}
