using System.Runtime.CompilerServices;
using Portage.Core.Runs;
using Portage.Protocol.Runs;

namespace Portage.Core.Streams;

/// <summary>
/// A run executing in this process: its frames so far (kept in memory while it runs, so local readers never wait for
/// the store) and the switch that stops it. Any number of readers may follow it, each from its own position.
/// </summary>
public sealed class LiveRun : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<RunEventRecord> _frames = [];
    private readonly CancellationTokenSource _cancellation = new();
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Readers waiting for the next frame go on inline, on the thread that added it, up to their next wait (normally the
    // SSE write and its flush): a hop through the thread pool per frame was a quarter of the work items a run adds and,
    // under load, a wait in the pool's queue before each write (issue 14). Add and Complete set it outside the lock.
    private TaskCompletionSource _changed = new();

    internal LiveRun(RunRecord record, bool cancelOnDisconnect)
    {
        Record = record;
        CancelOnDisconnect = cancelOnDisconnect;
    }

    /// <summary>The run as it was started.</summary>
    public RunRecord Record { get; }

    /// <summary>True when the client that started the run stops it by disconnecting (<c>on_disconnect: cancel</c>).</summary>
    public bool CancelOnDisconnect { get; }

    /// <summary>Completes when the run has ended and all its frames are stored.</summary>
    public Task Completion => _completed.Task;

    internal CancellationToken Token => _cancellation.Token;

    /// <summary>Stops the run: the provider call is cancelled and the run is recorded <c>cancelled</c>.</summary>
    public void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already ended.
        }
    }

    /// <summary>The run's frames after <paramref name="afterSeq"/>, then each new one as it is sent, until the last.</summary>
    public async IAsyncEnumerable<RunEventRecord> ReadAsync(long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var position = afterSeq;
        while (true)
        {
            RunEventRecord[] fresh;
            Task changed;
            bool ended;
            lock (_gate)
            {
                // Sequence numbers start at 1 and have no gaps, so the list index is seq - 1.
                fresh = position < _frames.Count ? [.. _frames.Skip((int)Math.Max(position, 0))] : [];
                changed = _changed.Task;
                ended = _completed.Task.IsCompleted;
            }

            foreach (var frame in fresh)
            {
                yield return frame;
                position = frame.Seq;

                // The reader is done at the terminal frame; the run may still be storing its last frames.
                if (EventNames.IsTerminal(frame.Event))
                {
                    yield break;
                }
            }

            if (ended && fresh.Length == 0)
            {
                yield break;
            }

            if (fresh.Length == 0)
            {
                await changed.WaitAsync(cancellationToken);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _cancellation.Dispose();

    // The seq the next frame gets (one writer adds frames, so it holds until that writer adds one).
    internal long NextSeq
    {
        get
        {
            lock (_gate)
            {
                return _frames.Count + 1;
            }
        }
    }

    internal long Add(string eventName, string data)
    {
        TaskCompletionSource changed;
        RunEventRecord frame;
        lock (_gate)
        {
            frame = new RunEventRecord(_frames.Count + 1, eventName, data);
            _frames.Add(frame);
            changed = _changed;
            _changed = new TaskCompletionSource();
        }

        changed.TrySetResult();
        return frame.Seq;
    }

    internal void Complete()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _completed.TrySetResult();
            changed = _changed;
        }

        changed.TrySetResult();
    }
}
