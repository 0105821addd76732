using System.Diagnostics;

namespace Portage.Bench.Router;

/// <summary>Memory held while streams are open: heap and working set growth of this process, divided by the streams.</summary>
internal sealed record OpenStreamMemory(int OpenStreams, int Failed, double HeapBytesPerStream, double WorkingSetBytesPerStream);

/// <summary>What a batch cost this process per stream: CPU ms, thread-pool work items, context switches.</summary>
internal sealed record StreamCosts(double CpuMs, double WorkItems, double ContextSwitches);

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
    /// This process's CPU time (ms), thread-pool work items and context switches per stream over a batch and the
    /// background work it left (until the process is idle again): what a stream costs whatever the wall clock did on a
    /// shared machine.
    /// </summary>
    public static async Task<(T Result, StreamCosts Costs)> CostPerStreamAsync<T>(int streams, Func<Task<T>> batch)
    {
        var before = CpuTime();
        var (items, switches) = Counts();
        var result = await batch();
        await SettleAsync();
        var (itemsAfter, switchesAfter) = Counts();
        return (result, new StreamCosts(
            Math.Round((CpuTime() - before).TotalMilliseconds / streams, 2),
            Math.Round((itemsAfter - items) / (double)streams, 1),
            Math.Round((switchesAfter - switches) / (double)streams, 1)));
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

    /// <summary>
    /// Thread-pool work items completed and context switches (voluntary and not, every thread of this process, from
    /// getrusage; 0 off Linux) so far: counts, not times, so a change that adds or removes a hop between threads shows
    /// on a noisy machine too.
    /// </summary>
    private static (long WorkItems, long ContextSwitches) Counts()
    {
        long switches = 0;
        var usage = new long[18];
        if (OperatingSystem.IsLinux() && GetRUsage(0, usage) == 0)
        {
            // struct rusage on 64-bit Linux: two timevals, then 14 longs; ru_nvcsw and ru_nivcsw are the last two.
            switches = usage[16] + usage[17];
        }

        return (ThreadPool.CompletedWorkItemCount, switches);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRUsage(int who, [System.Runtime.InteropServices.Out] long[] usage);

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
