using Portage.Core.Retrieval;

namespace Portage.Core.Ingest;

/// <summary>
/// Storage seam for ingest jobs. A job is durable from the moment the 202 is sent; a worker claims it with a lease,
/// so a job whose worker died (crash, kill) is claimed again when its lease expires: no acknowledged job is lost.
/// </summary>
public interface IIngestStore
{
    /// <summary>Stores a queued job.</summary>
    Task EnqueueAsync(IngestJobRecord job, CancellationToken cancellationToken);

    /// <summary>A job of the sandbox, or null.</summary>
    Task<IngestJobRecord?> GetJobAsync(string sandboxId, string jobId, CancellationToken cancellationToken);

    /// <summary>Claims the oldest queued job, or a processing one whose lease expired; null when there is none.</summary>
    Task<IngestJobRecord?> ClaimNextAsync(DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: adds the chunks (skipping content already indexed in the same sandbox and data source, by
    /// hash) and marks the job completed with its result.
    /// </summary>
    Task<int> CompleteAsync(string jobId, IReadOnlyList<ChunkRecord> chunks, string resultJson, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Marks a failed attempt: back to queued (retry count + 1) when <paramref name="retry"/>, else failed.</summary>
    Task FailAsync(string jobId, string error, bool retry, DateTimeOffset now, CancellationToken cancellationToken);
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
}

/// <summary>An ingest job as stored.</summary>
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
    DateTimeOffset? CompletedAt);
