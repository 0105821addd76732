using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portage.Core.Runs;
using Portage.Core.Signals;

namespace Portage.Core.Streams;

/// <summary>
/// Stores every frame of every run, in order, off the streaming path: frames are queued as they are sent and written
/// in batches (one store call per run per batch). A batch gathers for up to <c>Runs:EventLogBatchMilliseconds</c>, or
/// until someone waits for it (a terminal frame is flushed at once), so a run's frames take a transaction or two, not
/// one each. After each batch the replicas are signalled, so followers elsewhere read the new frames.
/// </summary>
public sealed partial class RunEventLog(IRunStore runs, IRunSignals signals, TimeProvider time, IOptions<RunOptions> options, ILogger<RunEventLog> logger)
    : BackgroundService
{
    private const int MaxBatch = 512;
    private const int WritersAtOnce = 4;
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(30);

    private readonly Channel<Entry> _queue = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Queues a frame of a run.</summary>
    public void Append(string runId, RunEventRecord frame) => Write(new Entry(runId, frame, null));

    /// <summary>Completes when every frame queued before it is stored (or its write failed and was logged).</summary>
    public Task FlushAsync()
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Write(new Entry(null, null, flushed));
        return flushed.Task;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Entry>(MaxBatch);
        var gather = TimeSpan.FromMilliseconds(Math.Max(options.Value.EventLogBatchMilliseconds, 0));

        // The queue is drained to the end also when the host stops: the runs still streaming are cancelled first (see
        // RunHost), and their last frames must reach the log.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            if (!Drain(batch) && gather > TimeSpan.Zero && batch.Count < MaxBatch)
            {
                await GatherAsync(batch, gather);
            }

            await WriteBatchAsync(batch);
            batch.Clear();
        }
    }

    // Takes what is queued; true when someone waits for it (a flush).
    private bool Drain(List<Entry> batch)
    {
        var waitedFor = false;
        while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var entry))
        {
            batch.Add(entry);
            waitedFor |= entry.Flushed is not null;
        }

        return waitedFor;
    }

    // Adds what arrives within `gather`, ending early at a flush, a full batch or shut-down.
    private async Task GatherAsync(List<Entry> batch, TimeSpan gather)
    {
        using var deadline = new CancellationTokenSource(gather, time);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(deadline.Token))
            {
                if (Drain(batch) || batch.Count >= MaxBatch)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // Gathered long enough.
        }
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private void Write(Entry entry)
    {
        if (!_queue.Writer.TryWrite(entry))
        {
            // Only after shut-down: nothing more can be stored.
            entry.Flushed?.TrySetResult();
        }
    }

    private async Task WriteBatchAsync(List<Entry> batch)
    {
        // Runs are independent: a few are written at once, so a busy router's log keeps up on a database that takes
        // concurrent writers (PostgreSQL); SQLite serializes them itself.
        var groups = batch.Where(e => e.Frame is not null).GroupBy(e => e.RunId!, StringComparer.Ordinal);
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = WritersAtOnce }, async (group, _) =>
        {
            var frames = group.Select(e => e.Frame!).ToList();
            if (await StoreAsync(group.Key, frames))
            {
                await PublishQuietlyAsync(group.Key);
            }
        });

        foreach (var entry in batch)
        {
            entry.Flushed?.TrySetResult();
        }
    }

    // A busy or briefly unreachable database must not cost a run its frames (a resume would end "not stored"): the write
    // is retried for a while. Frames are keyed by (run, seq) and written with "insert or ignore", so a write that did
    // land before its failure was reported is not doubled.
    private async Task<bool> StoreAsync(string runId, List<RunEventRecord> frames)
    {
        var pause = TimeSpan.FromMilliseconds(50);
        var giveUp = time.GetUtcNow() + RetryFor;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await runs.AppendRunEventsAsync(runId, frames, CancellationToken.None);
                return true;
            }
            catch (Exception ex) when (time.GetUtcNow() + pause < giveUp)
            {
                LogWriteRetry(logger, ex, runId, frames.Count, attempt);
                await Task.Delay(pause, time);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
            catch (Exception ex)
            {
                // The live stream already carried these frames; only a later resume would miss them.
                LogWriteFailed(logger, ex, runId, frames.Count);
                return false;
            }
        }
    }

    private async Task PublishQuietlyAsync(string runId)
    {
        try
        {
            await signals.PublishAsync(new RunSignal(RunSignalKind.Events, runId), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Followers on other replicas poll as well; they see the frames a moment later.
            LogPublishFailed(logger, ex, runId);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Storing {Count} frames of run {RunId} failed (attempt {Attempt}); retrying")]
    private static partial void LogWriteRetry(ILogger logger, Exception exception, string runId, int count, int attempt);

    [LoggerMessage(LogLevel.Warning, "Signalling new frames of run {RunId} failed; followers elsewhere find them by polling")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string runId);

    [LoggerMessage(LogLevel.Error, "Storing {Count} frames of run {RunId} failed after retrying; a client resuming this run will not see them")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string runId, int count);

    private sealed record Entry(string? RunId, RunEventRecord? Frame, TaskCompletionSource? Flushed);
}
