using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portage.Core.Runs;

namespace Portage.Core.Streams;

/// <summary>
/// Stores every frame of every run, in order, off the streaming path: frames are queued as they are sent and written
/// in batches (one store call per run per batch), so a busy router writes many frames per transaction and a quiet one
/// writes each at once. After each batch the replicas are signalled, so followers elsewhere read the new frames.
/// </summary>
public sealed partial class RunEventLog(IRunStore runs, IRunSignals signals, ILogger<RunEventLog> logger) : BackgroundService
{
    private const int MaxBatch = 512;
    private const int WritersAtOnce = 4;

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

        // The queue is drained to the end also when the host stops: the runs still streaming are cancelled first (see
        // RunHost), and their last frames must reach the log.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var entry))
            {
                batch.Add(entry);
            }

            await WriteBatchAsync(batch);
            batch.Clear();
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
            try
            {
                await runs.AppendRunEventsAsync(group.Key, [.. group.Select(e => e.Frame!)], CancellationToken.None);
                await signals.PublishAsync(new RunSignal(RunSignalKind.Events, group.Key), CancellationToken.None);
            }
            catch (Exception ex)
            {
                // The live stream already carried these frames; only a later resume would miss them.
                LogWriteFailed(logger, ex, group.Key, group.Count());
            }
        });

        foreach (var entry in batch)
        {
            entry.Flushed?.TrySetResult();
        }
    }

    [LoggerMessage(LogLevel.Error, "Storing {Count} frames of run {RunId} failed; a client resuming this run will not see them")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string runId, int count);

    private sealed record Entry(string? RunId, RunEventRecord? Frame, TaskCompletionSource? Flushed);
}
