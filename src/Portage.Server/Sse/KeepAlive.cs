using System.Runtime.CompilerServices;

namespace Portage.Server.Sse;

/// <summary>Interleaves a stream's items with keep-alive ticks while its source is quiet.</summary>
internal static class KeepAlive
{
    /// <summary>
    /// The items of <paramref name="source"/>, and a null whenever none came for <paramref name="interval"/> (the caller
    /// writes a <c>: ping</c> comment for it). A pending read is cancelled and awaited before the source is disposed.
    /// </summary>
    public static async IAsyncEnumerable<T?> WithTicksAsync<T>(
        IAsyncEnumerable<T> source, TimeSpan interval, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class
    {
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var enumerator = source.GetAsyncEnumerator(reading.Token);
        Task<bool>? pending = null;
        try
        {
            while (true)
            {
                pending ??= enumerator.MoveNextAsync().AsTask();
                using (var tick = new CancellationTokenSource())
                {
                    var delay = Task.Delay(interval, time, tick.Token);
                    if (await Task.WhenAny(pending, delay) == delay)
                    {
                        yield return null;
                        continue;
                    }

                    await tick.CancelAsync();
                }

                var read = pending;
                pending = null;
                var moved = await read;
                if (!moved)
                {
                    yield break;
                }

                yield return enumerator.Current;
            }
        }
        finally
        {
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
