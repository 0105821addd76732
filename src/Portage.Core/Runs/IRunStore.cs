namespace Portage.Core.Runs;

/// <summary>Storage seam for runs. Starting and ending a run are single transactions across runs, sessions and turns.</summary>
public interface IRunStore
{
    /// <summary>Writes the run, a new session if any, and the user turns; returns the sequence numbers of the user turns.</summary>
    Task<IReadOnlyList<long>> StartRunAsync(RunStart start, CancellationToken cancellationToken);

    /// <summary>Writes the end of a run (see <see cref="RunEnd"/>); returns the assistant turn's sequence number.</summary>
    Task<long> EndRunAsync(RunEnd end, CancellationToken cancellationToken);

    /// <summary>A run of the sandbox, or null.</summary>
    Task<RunRecord?> GetRunAsync(string sandboxId, string runId, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> runs of the sandbox matching <paramref name="filter"/>, newest first (start time,
    /// then id, descending), strictly after <paramref name="after"/> when given.
    /// </summary>
    Task<IReadOnlyList<RunRecord>> ListRunsAsync(string sandboxId, RunFilter filter, RunCursor? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The end users of the sandbox: everyone with a window or a run, with their window count, the usage of all their
    /// runs, and the last time their windows or runs were active; most recently active first.
    /// </summary>
    Task<IReadOnlyList<EndUserSummary>> ListEndUsersAsync(string sandboxId, CancellationToken cancellationToken);

    /// <summary>Sums the usage of the runs started in the query's sandboxes and time range, grouped when asked.</summary>
    Task<UsageReport> SummarizeUsageAsync(UsageQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Rule 10 on a single node: every run still <c>running</c> when the process starts was cut off by a crash; marks
    /// them <c>interrupted</c> and drops their window leases. Returns the count.
    /// </summary>
    Task<int> InterruptOrphanedRunsAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
