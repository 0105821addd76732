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
    /// Rule 10 on a single node: every run still <c>running</c> when the process starts was cut off by a crash; marks
    /// them <c>interrupted</c> and drops their window leases. Returns the count.
    /// </summary>
    Task<int> InterruptOrphanedRunsAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
