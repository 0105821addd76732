using System.Runtime.CompilerServices;
using System.Text.Json;
using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Protocol.Runs;
using Portage.Protocol;

namespace Portage.Core.Streams;

/// <summary>
/// Reads a run's frames from a position on: from memory while the run executes in this process, otherwise from the
/// event log, waking at each events signal (or polling) until the terminal frame. A run whose process died has no
/// terminal frame in the log; the follower ends it with one that says what became of the run.
/// </summary>
public sealed class RunFollower(RunHost host, IRunStore runs, RunEventWaiters waiters, TimeProvider time)
{
    private const int PageSize = 500;

    // How long a follower sleeps without a signal before it looks at the log and the run's status again.
    private static readonly TimeSpan s_poll = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan s_lateFrames = TimeSpan.FromSeconds(5);

    /// <summary>The run's frames after <paramref name="afterSeq"/>, ending with its terminal frame.</summary>
    public async IAsyncEnumerable<RunEventRecord> FollowAsync(RunRecord run, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            await foreach (var frame in ReadAsync(run, afterSeq, cancellationToken))
            {
                yield return frame;
            }
        }
        finally
        {
            waiters.Release(run.Id);
        }
    }

    private async IAsyncEnumerable<RunEventRecord> ReadAsync(RunRecord run, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A client resuming after the terminal frame it already has gets nothing more.
        if (afterSeq > 0 && await runs.ListRunEventsAsync(run.Id, afterSeq - 1, 1, cancellationToken) is [{ } last] && EventNames.IsTerminal(last.Event))
        {
            yield break;
        }

        var position = afterSeq;
        while (true)
        {
            if (host.FindLive(run.Id) is { } live)
            {
                await foreach (var frame in live.ReadAsync(position, cancellationToken))
                {
                    yield return frame;
                }

                // Every frame of an ended run is in its memory, and it ends with the terminal frame.
                yield break;
            }

            var signalled = waiters.Next(run.Id);
            var page = await runs.ListRunEventsAsync(run.Id, position, PageSize, cancellationToken);
            foreach (var frame in page)
            {
                yield return frame;
                position = frame.Seq;
                if (EventNames.IsTerminal(frame.Event))
                {
                    yield break;
                }
            }

            if (page.Count == PageSize)
            {
                continue;
            }

            // The log is read to its end without a terminal frame: the run may have ended, or its replica died (it then
            // has no terminal frame). Looking now, not after a poll interval, ends a dead run's replay at once.
            var current = await runs.GetRunAsync(run.SandboxId, run.Id, cancellationToken);
            if (current is not null && current.Status != RunStatus.Running && !MayStillBeWriting(current))
            {
                // Frames stored between the read above and the status check come first.
                if ((await runs.ListRunEventsAsync(run.Id, position, 1, cancellationToken)).Count > 0)
                {
                    continue;
                }

                yield return Ended(current, position + 1);
                yield break;
            }

            try
            {
                await signalled.WaitAsync(s_poll, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                // No signal within the poll interval (none crosses processes on a single-node store): read again.
            }
        }
    }

    // A run's outcome is committed a moment before its terminal frame reaches the log (the log writes in batches):
    // for a while after the run ended, a missing terminal frame is late, not lost.
    private bool MayStillBeWriting(RunRecord run) =>
        run.Status != RunStatus.Interrupted && run.FinishedAt is { } finished && time.GetUtcNow() - finished < s_lateFrames;

    private static RunEventRecord Ended(RunRecord run, long seq)
    {
        var message = run.Status == RunStatus.Interrupted
            ? "The run was interrupted: the router running it stopped before it finished. Its window keeps what was committed; send the turn again."
            : $"The run ended with status '{run.Status}' and its last frames were not stored.";
        var error = new AgentError(message, "run_" + run.Status) { RunId = run.Id };
        return new RunEventRecord(seq, error.EventName, JsonSerializer.Serialize(error, ProtocolJson.Wire.AgentError));
    }
}
