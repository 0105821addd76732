using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace Portage.Server.Sse;

/// <summary>Interleaves a stream's items with keep-alive ticks while its source is quiet.</summary>
internal static class KeepAlive
{
    /// <summary>
    /// The items of <paramref name="source"/>, and a null whenever none came for <paramref name="interval"/> (the caller
    /// writes a <c>: ping</c> comment for it). A pending read is cancelled and waited for before the source is disposed.
    /// </summary>
    /// <remarks>
    /// One timer serves the whole stream: it is armed for the rest of the quiet interval only when a read is pending, and
    /// an item that is ready at once is passed on without it. A pending read races the timer through one reusable
    /// <see cref="ReadOrTick"/>: a timer, a task and a <c>Task.WhenAny</c> per item (fifty in a short answer) were a visible
    /// part of the router's CPU and allocations per run.
    /// </remarks>
    public static async IAsyncEnumerable<T?> WithTicksAsync<T>(
        IAsyncEnumerable<T> source, TimeSpan interval, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class
    {
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var race = new ReadOrTick(time);
        var enumerator = source.GetAsyncEnumerator(reading.Token);
        var pending = false;
        var quietSince = time.GetTimestamp();
        try
        {
            while (true)
            {
                bool moved;
                var next = pending ? default : enumerator.MoveNextAsync();
                if (!pending && next.IsCompleted)
                {
                    moved = next.Result;
                }
                else
                {
                    if (!pending)
                    {
                        pending = true;
                        race.Read(next);
                    }

                    var quiet = time.GetElapsedTime(quietSince);
                    if (quiet >= interval)
                    {
                        quietSince = time.GetTimestamp();
                        yield return null;
                        continue;
                    }

                    if (!await race.WaitAsync(interval - quiet))
                    {
                        // The timer fired (or an earlier arming did): a tick is due unless an item came meanwhile.
                        continue;
                    }

                    pending = false;
                    moved = race.Result();
                }

                if (!moved)
                {
                    yield break;
                }

                quietSince = time.GetTimestamp();
                yield return enumerator.Current;
            }
        }
        finally
        {
            if (pending)
            {
                await reading.CancelAsync();
                try
                {
                    while (!await race.WaitAsync(Timeout.InfiniteTimeSpan))
                    {
                    }

                    race.Result();
                }
                catch (Exception) when (reading.IsCancellationRequested)
                {
                    // Cancelled just now, or failed while the consumer was leaving: nobody is reading any more.
                }
            }

            await enumerator.DisposeAsync();
        }
    }

    /// <summary>
    /// One stream's pending read raced against its keep-alive timer, reused for every read: <see cref="WaitAsync"/> is true
    /// once the read has completed, false when the timer fired first (or late, from an earlier wait: the caller checks
    /// the time anyway). One wait at a time; the read's result is taken once with <see cref="Result"/>.
    /// </summary>
    private sealed class ReadOrTick : IValueTaskSource<bool>, IDisposable
    {
        private readonly ITimer _timer;
        private readonly Action _readCompleted;
        private ManualResetValueTaskSourceCore<bool> _core;
        private ValueTask<bool> _read;
        private int _readDone;
        private int _signalled = 1;

        public ReadOrTick(TimeProvider time)
        {
            _timer = time.CreateTimer(static state => ((ReadOrTick)state!).Signal(false), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _readCompleted = () =>
            {
                Volatile.Write(ref _readDone, 1);
                Signal(true);
            };
        }

        /// <summary>Starts racing <paramref name="read"/> (not completed yet); its completion is noted without a task.</summary>
        public void Read(ValueTask<bool> read)
        {
            _read = read;
            _readDone = 0;
            read.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_readCompleted);
        }

        /// <summary>True once the read has completed; false when <paramref name="dueIn"/> passed first.</summary>
        public ValueTask<bool> WaitAsync(TimeSpan dueIn)
        {
            _core.Reset();
            // Signals are refused until here, so a late one from an earlier wait cannot complete the core while it resets.
            Volatile.Write(ref _signalled, 0);
            if (Volatile.Read(ref _readDone) == 1)
            {
                Signal(true);
            }
            else
            {
                _timer.Change(dueIn, Timeout.InfiniteTimeSpan);
            }

            return new ValueTask<bool>(this, _core.Version);
        }

        /// <summary>The completed read's result (or its exception).</summary>
        public bool Result() => _read.GetAwaiter().GetResult();

        public void Dispose() => _timer.Dispose();

        bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

        ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

        void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        private void Signal(bool readCompleted)
        {
            if (Interlocked.Exchange(ref _signalled, 1) == 0)
            {
                _core.SetResult(readCompleted);
            }
        }
    }
}
