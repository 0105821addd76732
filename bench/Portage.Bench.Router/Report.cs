using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portage.Bench.Router;

/// <summary>The machine the figures come from.</summary>
internal sealed record Machine(string Cpu, int Cores, long MemoryMib, string Os, string Dotnet, string Gc, string LoadAverageAtStart, DateTimeOffset StartedAt)
{
    public static Machine Describe() => new(
        ProcLine("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Environment.ProcessorCount,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        GCSettings.IsServerGC ? "server" : "workstation",
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a",
        DateTimeOffset.UtcNow);

    private static string? ProcLine(string path, string key) =>
        File.Exists(path)
            ? File.ReadLines(path).Where(l => l.StartsWith(key, StringComparison.Ordinal)).Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()).FirstOrDefault()
            : null;
}

/// <summary>One concurrency level: the same number of streams directly to the fake and through the router.</summary>
internal sealed record LevelResult(int Concurrency, BatchResult Direct, BatchResult Router, double DirectCpuMsPerStream, double RouterCpuMsPerStream)
{
    public Percentiles FirstTokenOverheadMs => Router.FirstTokenMs.Minus(Direct.FirstTokenMs);

    public Percentiles TotalOverheadMs => Router.TotalMs.Minus(Direct.TotalMs);

    /// <summary>
    /// The router's CPU per run. Each figure alone also holds the thread pool's idle spinning, which dominates at low
    /// concurrency and is the same on both sides; the difference is what the router adds.
    /// </summary>
    public double RouterCpuMsPerRun => Math.Round(RouterCpuMsPerStream - DirectCpuMsPerStream, 2);

    /// <summary>
    /// Thread-pool work items the router adds per run (router − direct): each is a hop between threads, which costs CPU
    /// and, under load, a wait in the pool's queue.
    /// </summary>
    public double RouterWorkItemsPerRun { get; init; }

    /// <summary>Context switches the router adds per run (router − direct), over all of the process's threads.</summary>
    public double RouterContextSwitchesPerRun { get; init; }
}

/// <summary>Memory per open stream, direct and through the router; the router's own share is the difference.</summary>
internal sealed record MemoryFigures(OpenStreamMemory Direct, OpenStreamMemory Router)
{
    public double RouterHeapBytesPerStream => Router.HeapBytesPerStream - Direct.HeapBytesPerStream;

    public double RouterWorkingSetBytesPerStream => Router.WorkingSetBytesPerStream - Direct.WorkingSetBytesPerStream;
}

/// <summary>Everything one run of the bench measured, with what it ran on and how.</summary>
internal sealed record BenchReport(
    Machine Machine,
    BenchOptions Options,
    string Storage,
    IReadOnlyList<LevelResult> Levels,
    MemoryFigures? Memory,
    WindowFigures? Window,
    ConversationFigures? Conversation,
    double DurationSeconds)
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Portage router benchmark, {Storage}: {Machine.Cpu}, {Machine.Cores} cores, {Machine.MemoryMib:N0} MiB, {Machine.Os}, {Machine.Dotnet}, " +
            $"{Machine.Gc} GC; load average at start {Machine.LoadAverageAtStart}; {Machine.StartedAt:yyyy-MM-dd HH:mm} UTC; {DurationSeconds:0} s in all.");
        if (Conversation is { } conversation)
        {
            md.AppendLine();
            conversation.AppendMarkdown(md, Options, Storage);
        }

        if (Levels.Count == 0)
        {
            return md.ToString();
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"Upstream: {Options.Deltas} deltas per response, {Options.DeltaDelayMs} ms apart. Times in ms as p50 / p95 / p99; overhead = router pX − direct pX; router CPU, work items (thread-pool work items: hops between threads) and context switches = process figures per stream, router − direct.");
        md.AppendLine();
        md.AppendLine("| streams | n | TTFT direct | TTFT router | TTFT overhead | total direct | total router | total overhead | deltas/s direct | deltas/s router | router CPU ms/run | failed | router work items/run | router context switches/run |");
        md.AppendLine("|---:|---:|---|---|---|---|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var level in Levels)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {level.Concurrency} | {level.Router.Streams} | {Ms(level.Direct.FirstTokenMs)} | {Ms(level.Router.FirstTokenMs)} | {Ms(level.FirstTokenOverheadMs)} | " +
                $"{Ms(level.Direct.TotalMs)} | {Ms(level.Router.TotalMs)} | {Ms(level.TotalOverheadMs)} | {level.Direct.DeltasPerSecond:N0} | {level.Router.DeltasPerSecond:N0} | " +
                $"{level.RouterCpuMsPerRun:0.0} | " +
                $"{level.Direct.Failed + level.Router.Failed} | {level.RouterWorkItemsPerRun:0.0} | {level.RouterContextSwitchesPerRun:0.0} |");
        }

        if (Memory is { } memory)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Memory per open stream ({memory.Router.OpenStreams} streams held mid-response; managed heap after a full GC, and process working set):");
            md.AppendLine();
            md.AppendLine("| | heap KiB/stream | working set KiB/stream |");
            md.AppendLine("|---|---:|---:|");
            md.AppendLine(CultureInfo.InvariantCulture, $"| direct (client + fake) | {Kib(memory.Direct.HeapBytesPerStream)} | {Kib(memory.Direct.WorkingSetBytesPerStream)} |");
            md.AppendLine(CultureInfo.InvariantCulture, $"| through the router (client + router + fake) | {Kib(memory.Router.HeapBytesPerStream)} | {Kib(memory.Router.WorkingSetBytesPerStream)} |");
            md.AppendLine(CultureInfo.InvariantCulture, $"| **router's share** (difference) | **{Kib(memory.RouterHeapBytesPerStream)}** | **{Kib(memory.RouterWorkingSetBytesPerStream)}** |");
        }

        if (Window is { } window)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Window append ({Storage}): one run's start (user turn) + end (assistant turn) through IRunStore; {window.FullWindow.Samples} samples; " +
                $"filled {window.Turns:N0} turns in {window.FillSeconds:0.0} s (1,000 turns per run).");
            md.AppendLine();
            md.AppendLine("| window | StartRunAsync | EndRunAsync | append (start + end) |");
            md.AppendLine("|---|---|---|---|");
            md.AppendLine(CultureInfo.InvariantCulture, $"| {window.EmptyWindow.TurnsBefore:N0} turns | {Ms(window.EmptyWindow.StartMs)} | {Ms(window.EmptyWindow.EndMs)} | {Ms(window.EmptyWindow.AppendMs)} |");
            md.AppendLine(CultureInfo.InvariantCulture, $"| {window.FullWindow.TurnsBefore:N0} turns | {Ms(window.FullWindow.StartMs)} | {Ms(window.FullWindow.EndMs)} | **{Ms(window.FullWindow.AppendMs)}** |");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"At {window.Turns:N0} turns: reading the whole window (ListTurnsAsync, 500 turns a page; a run reads only as far back as its context budget) {Ms(window.ReadAllTurnsMs)}; a run through the router on it " +
                $"{Ms(window.RouterRuns.TotalMs)} total, TTFT {Ms(window.RouterRuns.FirstTokenMs)} ({window.RouterRuns.Streams} runs, {window.RouterRuns.Failed} failed; " +
                $"the unmeasured first run, which starts the session, {window.FirstRouterRunMs:0} ms).");
        }

        return md.ToString();
    }

    internal static string Ms(Percentiles p) => $"{Ms(p.P50)} / {Ms(p.P95)} / {Ms(p.P99)}";

    internal static string Ms(double ms) => double.IsNaN(ms) ? "–" : Math.Abs(ms) switch
    {
        < 10 => ms.ToString("0.00", CultureInfo.InvariantCulture),
        < 100 => ms.ToString("0.0", CultureInfo.InvariantCulture),
        _ => ms.ToString("0", CultureInfo.InvariantCulture),
    };

    private static string Kib(double bytes) => (bytes / 1024).ToString("0.0", CultureInfo.InvariantCulture);
}
