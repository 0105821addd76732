using System.Diagnostics;

namespace Portage.Bench.Router;

/// <summary>Memory held while streams are open: heap and working set growth of this process, divided by the streams.</summary>
internal sealed record OpenStreamMemory(int OpenStreams, int Failed, double HeapBytesPerStream, double WorkingSetBytesPerStream);

/// <summary>Process-level measurements: memory per open stream, CPU per stream, and waiting for background work to finish.</summary>
internal static class ProcessProbe
{
    /// <summary>
    /// Holds <paramref name="count"/> streams open mid-response (the fake pauses after the first delta), then measures
    /// the managed heap after a full collection (<see cref="GC.GetTotalMemory(bool)"/>) and the working set, against
    /// the same figures taken just before. Client, router and fake share this process, so a figure means something
    /// only next to the same measure for direct streams.
    /// </summary>
    public static async Task<OpenStreamMemory> MeasureAsync(FakeUpstream fake, int count, Func<int, Action, Task<StreamSample>> stream)
    {
        await SettleAsync();
        var (heapBefore, workingSetBefore) = Snapshot();
        var remaining = count;
        var allOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fake.Hold();
        List<Task<StreamSample>> streams;
        try
        {
            streams = [.. Enumerable.Range(0, count).Select(i =>
            {
                // Each stream counts once: at its first delta, or at its end if it failed before one.
                var counted = 0;
                void Count()
                {
                    if (Interlocked.Exchange(ref counted, 1) == 0 && Interlocked.Decrement(ref remaining) == 0)
                    {
                        allOpen.TrySetResult();
                    }
                }

                return stream(i, Count).ContinueWith(t =>
                {
                    Count();
                    return t.Result;
                }, TaskScheduler.Default);
            })];
            await allOpen.Task.WaitAsync(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            fake.Release();
            throw new InvalidOperationException($"{remaining} of {count} streams did not reach their first delta within 2 minutes");
        }

        var (heapOpen, workingSetOpen) = Snapshot();
        fake.Release();
        var samples = await Task.WhenAll(streams);
        var open = samples.Count(s => s.Error is null);
        return new OpenStreamMemory(count, count - open,
            Math.Round((heapOpen - heapBefore) / (double)Math.Max(open, 1)),
            Math.Round((workingSetOpen - workingSetBefore) / (double)Math.Max(open, 1)));
    }

    /// <summary>
    /// This process's CPU time per stream over a batch and the background work it left (until the process is idle
    /// again), in ms: what a stream costs in CPU whatever the wall clock did on a shared machine.
    /// </summary>
    public static async Task<(T Result, double CpuMsPerStream)> CpuPerStreamAsync<T>(int streams, Func<Task<T>> batch)
    {
        var before = CpuTime();
        var result = await batch();
        await SettleAsync();
        return (result, Math.Round((CpuTime() - before).TotalMilliseconds / streams, 2));
    }

    /// <summary>
    /// Waits until this process is idle (below 10% of one core over 250 ms, at most 60 s), so the router's background
    /// work (indexing the last level's turns as conversation memory) does not spill into the next measurement.
    /// </summary>
    public static async Task<TimeSpan> SettleAsync()
    {
        var watch = Stopwatch.StartNew();
        using var process = Process.GetCurrentProcess();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            process.Refresh();
            var (cpu, at) = (process.TotalProcessorTime, watch.Elapsed);
            await Task.Delay(250);
            process.Refresh();
            if ((process.TotalProcessorTime - cpu) / (watch.Elapsed - at) < 0.10)
            {
                break;
            }
        }

        return watch.Elapsed;
    }

    /// <summary>This process's CPU time so far, all threads.</summary>
    public static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static (long Heap, long WorkingSet) Snapshot()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        return (heap, process.WorkingSet64);
    }
}
