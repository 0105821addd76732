using System.Runtime.CompilerServices;

namespace Portage.Server.Sse;

/// <summary>Interleaves a stream's items with keep-alive ticks while its source is quiet.</summary>
internal static class KeepAlive
{
    /// <summary>
    /// The items of <paramref name="source"/>, and a null whenever none came for <paramref name="interval"/> (the caller
    /// writes a <c>: ping</c> comment for it). A pending read is cancelled and awaited before the source is disposed.
    /// </summary>
    /// <remarks>
    /// One timer serves the whole stream: it is armed for the rest of the quiet interval only when it fires, and an item
    /// that is ready at once is passed on without one. A timer and a task per item (fifty of them in a short answer)
    /// were a visible part of the router's CPU per run.
    /// </remarks>
    public static async IAsyncEnumerable<T?> WithTicksAsync<T>(
        IAsyncEnumerable<T> source, TimeSpan interval, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class
    {
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var ticking = new CancellationTokenSource();
        var enumerator = source.GetAsyncEnumerator(reading.Token);
        Task<bool>? pending = null;
        Task? tick = null;
        var quietSince = time.GetTimestamp();
        try
        {
            while (true)
            {
                bool moved;
                var next = pending is null ? enumerator.MoveNextAsync() : default;
                if (pending is null && next.IsCompleted)
                {
                    moved = next.Result;
                }
                else
                {
                    pending ??= next.AsTask();
                    var quiet = time.GetElapsedTime(quietSince);
                    if (quiet >= interval)
                    {
                        quietSince = time.GetTimestamp();
                        yield return null;
                        continue;
                    }

                    tick ??= Task.Delay(interval - quiet, time, ticking.Token);
                    if (await Task.WhenAny(pending, tick) == tick)
                    {
                        // Fired: a tick is due unless an item came meanwhile (then the timer is armed for the rest).
                        tick = null;
                        continue;
                    }

                    var read = pending;
                    pending = null;
                    moved = await read;
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
            await ticking.CancelAsync();
            if (pending is not null)
            {
                await reading.CancelAsync();
                try
                {
                    await pending;
                }
                catch (Exception) when (reading.IsCancellationRequested)
                {
                    // Cancelled just now, or failed while the consumer was leaving: nobody is reading any more.
                }
            }

            await enumerator.DisposeAsync();
        }
    }
}
