using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portage.Core.Runs;
using Portage.Core.Signals;

namespace Portage.Core.Streams;

/// <summary>
/// Stores every frame of every run, in order, off the streaming path: frames are queued as they are sent and written
/// in batches, a few store calls per batch (each with whole runs' frames). A batch gathers for up to
/// <c>Runs:EventLogBatchMilliseconds</c>, or until someone waits for it (a terminal frame is flushed at once), so a busy
/// router's frames take a few writes per batch, not one per frame or per run. After each batch the replicas are
/// signalled, so followers elsewhere read the new frames.
/// </summary>
public sealed partial class RunEventLog(IRunStore runs, IRunSignals signals, TimeProvider time, IOptions<RunOptions> options, ILogger<RunEventLog> logger)
    : BackgroundService
{
    private const int MaxBatch = 512;
    private const int WritersAtOnce = 4;
    private const int RunsPerSlice = 32;
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
        // A large batch is written in a few slices at once, each holding whole runs: PostgreSQL takes them in parallel (one
        // write at a time kept a saturated database's other writes, run starts among them, waiting behind it), and
        // SQLite's write group commits slices that queue together once. A batch of up to 32 runs is one slice: each slice
        // is a write, a publish of its runs' signals, and so two round trips and two transactions on PostgreSQL.
        var written = batch.Where(e => e.Frame is not null)
            .GroupBy(e => e.RunId!, StringComparer.Ordinal)
            .Select(group => new RunFrames(group.Key, group.Select(e => e.Frame!).ToList()))
            .ToList();
        var slices = written.Chunk(Math.Max(RunsPerSlice, (written.Count + WritersAtOnce - 1) / WritersAtOnce));
        await Task.WhenAll(slices.Select(async slice =>
        {
            if (await StoreAsync(slice))
            {
                await PublishQuietlyAsync(slice);
            }
        }));

        foreach (var entry in batch)
        {
            entry.Flushed?.TrySetResult();
        }
    }

    // A busy or briefly unreachable database must not cost a run its frames (a resume would end "not stored"): the write
    // is retried for a while. Frames are keyed by (run, seq) and written with "insert or ignore", so a write that did
    // land before its failure was reported is not doubled.
    private async Task<bool> StoreAsync(RunFrames[] written)
    {
        var pause = TimeSpan.FromMilliseconds(50);
        var giveUp = time.GetUtcNow() + RetryFor;
        var frames = written.Sum(run => run.Events.Count);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await runs.AppendRunEventsAsync(written, CancellationToken.None);
                return true;
            }
            catch (Exception ex) when (time.GetUtcNow() + pause < giveUp)
            {
                LogWriteRetry(logger, ex, written.Length, frames, attempt);
                await Task.Delay(pause, time);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
            catch (Exception ex)
            {
                // The live stream already carried these frames; only a later resume would miss them.
                LogWriteFailed(logger, ex, written.Length, frames, string.Join(", ", written.Select(run => run.RunId)));
                return false;
            }
        }
    }

    // One signal per run, all in one publish (one round trip to a shared database).
    private async Task PublishQuietlyAsync(RunFrames[] written)
    {
        try
        {
            await signals.PublishAsync(written.Select(run => new RunSignal(RunSignalKind.Events, run.RunId)).ToList(), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Followers on other replicas poll as well; they see the frames a moment later.
            LogPublishFailed(logger, ex, written.Length, string.Join(", ", written.Select(run => run.RunId)));
        }
    }

    [LoggerMessage(LogLevel.Warning, "Storing {Count} frames of {Runs} runs failed (attempt {Attempt}); retrying")]
    private static partial void LogWriteRetry(ILogger logger, Exception exception, int runs, int count, int attempt);

    [LoggerMessage(LogLevel.Warning, "Signalling new frames of {Runs} runs ({RunIds}) failed; followers elsewhere find them by polling")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, int runs, string runIds);

    [LoggerMessage(LogLevel.Error, "Storing {Count} frames of {Runs} runs ({RunIds}) failed after retrying; a client resuming these runs will not see them")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int runs, int count, string runIds);

    private sealed record Entry(string? RunId, RunEventRecord? Frame, TaskCompletionSource? Flushed);
}
