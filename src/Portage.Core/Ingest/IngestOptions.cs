namespace Portage.Core.Ingest;

/// <summary>Settings of ingest and its background worker, bound from the <c>Ingest</c> configuration section.</summary>
public sealed class IngestOptions
{
    /// <summary>Jobs processed at the same time; 0 turns the worker off (jobs stay queued until a worker runs).</summary>
    public int Concurrency { get; set; } = 2;

    /// <summary>
    /// Jobs of one sandbox processed at the same time while other sandboxes have jobs waiting (with no other sandbox
    /// waiting, one sandbox may use every worker). Sandboxes are served in turn either way.
    /// </summary>
    public int PerSandboxConcurrency { get; set; } = 1;

    /// <summary>Retries of a failed job before it is marked <c>failed</c>.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>First backoff before a retry (milliseconds); doubles per retry.</summary>
    public double RetryBaseDelayMilliseconds { get; set; } = 1000;

    /// <summary>Longest backoff before a retry (seconds).</summary>
    public double MaxRetryDelaySeconds { get; set; } = 60;

    /// <summary>How long a worker holds a job; a job whose worker died is claimed again after this (seconds).</summary>
    public double LeaseSeconds { get; set; } = 120;

    /// <summary>How often an idle worker looks for due jobs (retries, expired leases) without being woken (milliseconds).</summary>
    public double PollIntervalMilliseconds { get; set; } = 1000;

    /// <summary>Budget of one chunk (estimated tokens, about 4 characters each).</summary>
    public int ChunkTokens { get; set; } = 400;

    /// <summary>How much of the previous chunk a section cut into several chunks repeats (estimated tokens).</summary>
    public int OverlapTokens { get; set; } = 40;
}
