namespace Portage.Core.Runs;

/// <summary>
/// Settings of the run path, bound from the <c>Runs</c> configuration section. The same section also binds
/// <see cref="Windows.WindowLeaseOptions"/> (rule 8's waits) and <see cref="Providers.ProviderRetryOptions"/>.
/// </summary>
public sealed class RunOptions
{
    /// <summary>
    /// Most user messages in one run request (each becomes a turn); more is 400 <c>too_many_messages</c>. One is the
    /// normal case: earlier turns come from the window, not from the request.
    /// </summary>
    public int MaxMessagesPerRun { get; set; } = 64;

    /// <summary>Most tool cycles (model asks, router executes, model continues) in one run; then <c>max_cycles</c>.</summary>
    public int MaxToolCycles { get; set; } = 20;

    /// <summary>Wall-clock limit of one run, tools included (seconds); then the run finishes with <c>timeout</c>.</summary>
    public double TimeLimitSeconds { get; set; } = 600;

    /// <summary>
    /// How long a run keeps retrying its final commit (the turns and the outcome) when the database refuses it; after
    /// that the client gets <c>agent_error</c> <c>storage_error</c> instead of <c>agent_finish</c> (seconds).
    /// </summary>
    public double CommitRetrySeconds { get; set; } = 30;

    /// <summary>How long the frames of an ended run stay readable through its events endpoint (hours); 0 keeps them.</summary>
    public double EventRetentionHours { get; set; } = 72;

    /// <summary>
    /// How long a run's frames may wait to be stored together (milliseconds; 0 stores each batch at once). A stream
    /// never waits for it: the live stream is sent as it comes, and a terminal frame is stored at once. Only a resume
    /// or a follower on another replica sees the newest frames this much later.
    /// </summary>
    public double EventLogBatchMilliseconds { get; set; } = 100;

    /// <summary>
    /// True when several routers share the store (PostgreSQL replicas): runs of a dead process are found by their
    /// expired leases instead of at start-up. Set by the store, not by hand.
    /// </summary>
    public bool SharedStore { get; set; }
}
