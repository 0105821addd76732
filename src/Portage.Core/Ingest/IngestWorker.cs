using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portage.Core.Telemetry;
using Portage.Core.Tenancy;

namespace Portage.Core.Ingest;

/// <summary>
/// Processes ingest jobs in the background: <see cref="IngestOptions.Concurrency"/> loops each claim a job (with a
/// lease), chunk it and index the chunks in one transaction. A failed attempt is retried with exponential backoff up
/// to <see cref="IngestOptions.MaxRetries"/> times; a job whose worker died (crash, kill) is claimed again when its
/// lease expires, also by another process on the same store, so no acknowledged job is lost.
/// </summary>
public sealed partial class IngestWorker(
    IIngestStore store,
    Chunker chunker,
    IngestSignal signal,
    SandboxCache sandboxes,
    TimeProvider time,
    IOptions<IngestOptions> options,
    ContentLogging content,
    ILogger<IngestWorker> logger) : BackgroundService
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var concurrency = options.Value.Concurrency;
        if (concurrency <= 0)
        {
            return;
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => LoopAsync(stoppingToken), CancellationToken.None)));
    }

    /// <summary>Claims and processes one due job; false when there was none.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var settings = options.Value;
        var job = await store.ClaimNextAsync(now, now + TimeSpan.FromSeconds(settings.LeaseSeconds), Math.Max(settings.PerSandboxConcurrency, 1), cancellationToken);
        if (job is null)
        {
            return false;
        }

        // More jobs may be waiting: let an idle sibling look while this one works.
        signal.Notify();
        await ProcessAsync(job);
        return true;
    }

    /// <summary>Chunks and indexes a claimed job, or records the failed attempt.</summary>
    internal async Task ProcessAsync(IngestJobRecord job)
    {
        // The job runs to its end even during shutdown: it is short, and finishing beats waiting for the lease to expire.
        var ct = CancellationToken.None;
        var settings = options.Value;
        if (job.RetryCount > settings.MaxRetries)
        {
            // Claimed again after its worker died too often: the job itself may be what kills it.
            await store.FailAsync(job.Id, $"Gave up after {job.RetryCount} attempts: the worker stopped while processing it.", null, time.GetUtcNow(), ct);
            LogGaveUp(logger, job.Id, job.RetryCount);
            return;
        }

        try
        {
            var now = time.GetUtcNow();
            var (chunks, result) = JobChunks.Of(chunker, job, now);
            // The sandbox's first shared content makes its runs offer retrieval (Retrieval.SharedContent): they must not wait
            // for the cached answer to expire. It is dropped before the commit too: a client that sees the job completed
            // may start its next run before the drop after the commit is done, and must not find the answer from before.
            var shared = chunks.Any(c => c.EndUserId is null);
            if (shared)
            {
                await sandboxes.ChangedAsync(job.SandboxId);
            }

            var indexed = await store.CompleteAsync(job.Id, chunks, result, now, ct);
            LogCompleted(logger, job.Id, indexed, chunks.Count - indexed);
            if (indexed > 0 && shared)
            {
                await sandboxes.ChangedAsync(job.SandboxId);
            }
        }
        catch (Exception ex)
        {
            var retry = job.RetryCount < settings.MaxRetries;
            var retryAt = retry ? time.GetUtcNow() + Backoff(job.RetryCount) : (DateTimeOffset?)null;
            LogFailed(logger, content.Redact(ex), job.Id, job.RetryCount + 1, retry);
            await store.FailAsync(job.Id, ex.Message, retryAt, time.GetUtcNow(), ct);
        }
    }

    /// <summary>The wait before retry number <paramref name="retryCount"/> + 1: the base, doubled per retry, capped.</summary>
    internal TimeSpan Backoff(int retryCount)
    {
        var settings = options.Value;
        var delay = settings.RetryBaseDelayMilliseconds * Math.Pow(2, Math.Min(retryCount, 20));
        return TimeSpan.FromMilliseconds(Math.Min(delay, settings.MaxRetryDelaySeconds * 1000));
    }

    private async Task LoopAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromMilliseconds(Math.Max(options.Value.PollIntervalMilliseconds, 10));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await RunOnceAsync(stoppingToken))
                {
                    await signal.WaitAsync(poll, time, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The store itself failed (disk, lock): keep the worker alive and try again after a poll interval.
                LogLoopFailed(logger, content.Redact(ex));
                try
                {
                    await Task.Delay(poll, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(LogLevel.Debug, "Ingest job {JobId} completed: {Indexed} chunks indexed, {Duplicates} duplicates skipped")]
    private static partial void LogCompleted(ILogger logger, string jobId, int indexed, int duplicates);

    [LoggerMessage(LogLevel.Warning, "Ingest job {JobId} failed (attempt {Attempt}); retry: {Retry}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string jobId, int attempt, bool retry);

    [LoggerMessage(LogLevel.Error, "Ingest job {JobId} failed for good after {Attempts} attempts cut off by a stopped worker")]
    private static partial void LogGaveUp(ILogger logger, string jobId, int attempts);

    [LoggerMessage(LogLevel.Warning, "The ingest worker could not reach the store; retrying")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);
}
