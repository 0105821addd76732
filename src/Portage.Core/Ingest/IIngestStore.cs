using Portage.Core.Retrieval;
using Portage.Core.Windows;

namespace Portage.Core.Ingest;

/// <summary>
/// Storage seam for ingest jobs. A job is durable from the moment the 202 is sent; a worker claims it with a lease,
/// so a job whose worker died (crash, kill) is claimed again when its lease expires: no acknowledged job is lost.
/// </summary>
public interface IIngestStore
{
    /// <summary>Stores a queued job.</summary>
    Task EnqueueAsync(IngestJobRecord job, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: appends <paramref name="turn"/> to the window <see cref="IngestJobRecord.DataSourceId"/> and
    /// stores the queued job that indexes it, so an acknowledged turn is never in the window without its indexing job
    /// (or the reverse). Returns the turn's sequence number. Throws <see cref="WindowBusyException"/>, appending nothing,
    /// while a run holds the window's lease (unexpired at the turn's time): the turn would split that run's exchange.
    /// </summary>
    Task<long> EnqueueTurnAsync(IngestJobRecord job, NewTurn turn, CancellationToken cancellationToken);

    /// <summary>A job of the sandbox, or null.</summary>
    Task<IngestJobRecord?> GetJobAsync(string sandboxId, string jobId, CancellationToken cancellationToken);

    /// <summary>
    /// Claims the next job that is due (queued and its retry time has come, or processing with an expired lease: its
    /// worker died, and that lost attempt counts as a retry); null when there is none. The job comes back
    /// <c>processing</c>, leased until <paramref name="leaseUntil"/>.
    /// </summary>
    /// <remarks>
    /// The queue is fair across sandboxes: each job gets its place in a round when it is enqueued (a sandbox's k-th
    /// waiting job is k places after the head of the queue), so sandboxes with waiting jobs are served in turn and a
    /// sandbox's own jobs in the order they came. A sandbox that already has <paramref name="perSandboxConcurrency"/>
    /// jobs leased is passed over while another sandbox has a job waiting near the head; when none has, the busy
    /// sandbox's next job is claimed anyway, so workers never idle while there is work.
    /// </remarks>
    Task<IngestJobRecord?> ClaimNextAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int perSandboxConcurrency, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: adds the chunks (skipping content already indexed in the same sandbox, data source and end
    /// user, by hash) and marks the job completed with its result. <paramref name="resultJson"/> is a JSON object; the
    /// store sets its <c>indexed</c> and <c>duplicates</c> members from what the transaction really added. Returns
    /// the number of chunks added.
    /// </summary>
    Task<int> CompleteAsync(string jobId, IReadOnlyList<ChunkRecord> chunks, string resultJson, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a failed attempt: back to <c>queued</c> with retry count + 1, not claimed before <paramref name="retryAt"/>
    /// (the backoff survives a restart); or <c>failed</c> for good when <paramref name="retryAt"/> is null.
    /// </summary>
    Task FailAsync(string jobId, string error, DateTimeOffset? retryAt, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>Job states of the wire (copass-compat §7.3).</summary>
public static class IngestStatus
{
    /// <summary>Waiting for a worker.</summary>
    public const string Queued = "queued";

    /// <summary>A worker holds it.</summary>
    public const string Processing = "processing";

    /// <summary>Chunks indexed.</summary>
    public const string Completed = "completed";

    /// <summary>Gave up after retries.</summary>
    public const string Failed = "failed";

    /// <summary>Its data source was purged before it finished.</summary>
    public const string Cancelled = "cancelled";
}

/// <summary>An ingest job as stored.</summary>
/// <remarks>
/// A job indexes either one text (<see cref="Text"/>, said by <see cref="Speaker"/> when it is a conversation turn) or,
/// when <see cref="Turns"/> is set, several turns of one conversation (a run's messages and answer), each chunked on
/// its own under its speaker; <see cref="Text"/> is then empty.
/// </remarks>
public sealed record IngestJobRecord(
    string Id,
    string SandboxId,
    string? DataSourceId,
    string? ProjectId,
    string? EndUserId,
    string Text,
    string SourceType,
    string? FilePath,
    DateTimeOffset? OccurredAt,
    string? Speaker,
    IReadOnlyList<string>? Participants,
    string Status,
    int RetryCount,
    string? ErrorMessage,
    string? ResultJson,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    IReadOnlyList<IngestTurn>? Turns = null);

/// <summary>One turn of a conversation that an ingest job indexes.</summary>
/// <param name="Speaker">Who said it (<c>User</c>, <c>Assistant</c> or a name): the last part of its chunks' breadcrumb.</param>
/// <param name="Text">What was said.</param>
public sealed record IngestTurn(string Speaker, string Text);
