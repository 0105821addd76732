using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Core.Sessions;
using Portage.Core.Sources;
using Portage.Core.Tenancy;
using Portage.Core.Windows;

namespace Portage.Bench.Router;

/// <summary>Appends to one window through the store: each sample is one run's start (a user turn) and end (an assistant turn).</summary>
internal sealed record AppendLatency(long TurnsBefore, int Samples, Percentiles StartMs, Percentiles EndMs, Percentiles AppendMs);

/// <summary>The window figures: fill, appends on an empty and on a full window, reading it, and runs on it through the router.</summary>
internal sealed record WindowFigures(
    int Turns,
    double FillSeconds,
    AppendLatency EmptyWindow,
    AppendLatency FullWindow,
    Percentiles ReadAllTurnsMs,
    double FirstRouterRunMs,
    BatchResult RouterRuns);

/// <summary>
/// Window append latency at a large window, through the router's own store (whatever <c>Storage:Provider</c> chose),
/// using the write path a run uses: <see cref="IRunStore.StartRunAsync"/> writes the run and its user turn,
/// <see cref="IRunStore.EndRunAsync"/> the assistant turn, the session and the run's outcome, each one transaction.
/// The fill uses the same two calls with many user turns per run (one transaction per 1,000 turns).
/// </summary>
internal sealed class WindowAppend(IServiceProvider services, string sandboxId)
{
    private const string EndUser = "bench-window";
    private const string FillProvider = "bench-fill";
    private const int FillTurnsPerRun = 1_000;

    private readonly IRunStore _runs = services.GetRequiredService<IRunStore>();
    private readonly IWindowStore _windows = services.GetRequiredService<IWindowStore>();
    private readonly IIdGenerator _ids = services.GetRequiredService<IIdGenerator>();
    private readonly TimeProvider _time = services.GetRequiredService<TimeProvider>();

    public async Task<WindowFigures> RunAsync(BenchOptions options, LoadDriver driver, Action<string> progress, CancellationToken ct)
    {
        // Rounded up to whole exchanges, so every filler run ends with its assistant turn.
        var turns = options.WindowTurns + (options.WindowTurns % 2);

        var (emptyWindow, emptySession) = await CreateAsync(ct);
        var empty = await MeasureAppendsAsync(emptyWindow, emptySession, options.AppendSamples, ct);
        progress($"empty window: append p50 {empty.AppendMs.P50:0.00} ms");

        // CreateAsync wrote the first exchange.
        var (window, session) = await CreateAsync(ct);
        var fill = Stopwatch.StartNew();
        for (var done = 2; done < turns; done += FillTurnsPerRun)
        {
            await ExchangeAsync(window, session, Math.Min(FillTurnsPerRun, turns - done) - 1, ct);
        }

        fill.Stop();
        progress($"filled {turns:N0} turns in {fill.Elapsed.TotalSeconds:0.0} s");
        var full = await MeasureAppendsAsync(window, session, options.AppendSamples, ct);
        progress($"{turns:N0}-turn window: append p50 {full.AppendMs.P50:0.00} ms");

        var reads = new List<double>();
        for (var i = 0; i < options.WindowRuns; i++)
        {
            var started = Stopwatch.GetTimestamp();
            // Page by page, as the turns endpoint reads a window.
            for (var page = await _windows.ListTurnsAsync(sandboxId, window, 0, 500, ct); page.Count > 0;
                 page = await _windows.ListTurnsAsync(sandboxId, window, page[^1].Seq, 500, ct))
            {
            }
            reads.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        // Runs naming the window, one at a time (rule 8). The first starts an openai session on it (rendering the window
        // within the provider's budget); the measured ones continue that session, as a conversation's next turns do.
        var first = await driver.ThroughRouterAsync(EndUser, window, null, ct);
        var runs = await LoadDriver.RunBatchAsync(1, options.WindowRuns, _ => driver.ThroughRouterAsync(EndUser, window, null, ct));
        progress($"{turns:N0}-turn window: run through the router p50 {runs.TotalMs.P50:0} ms");
        return new WindowFigures(turns, Math.Round(fill.Elapsed.TotalSeconds, 1), empty, full, Percentiles.Of(reads),
            first.Error is null ? Math.Round(first.TotalMs, 1) : double.NaN, runs);
    }

    private async Task<(string Window, SessionRecord Session)> CreateAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var window = new WindowRecord(_ids.NewId("ds"), sandboxId, EndUser, $"bench-{now.ToUnixTimeMilliseconds()}", SourceStatus.Active, null, now, now, 0);
        await _windows.CreateWindowAsync(window, ct);

        // A session of a provider no run asks for: runs through the router start their own openai session here.
        var session = new SessionRecord(_ids.NewId("sess"), sandboxId, EndUser, window.Id, FillProvider, "fill", null, "[]", 0, now, now);
        var run = Run(window.Id, session.Id);
        await _runs.StartRunAsync(new RunStart(run, session, [Turn(TurnRole.User, run.Id)]), ct);
        await _runs.EndRunAsync(End(window.Id, session.Id, run.Id), ct);
        return (window.Id, session);
    }

    private async Task<AppendLatency> MeasureAppendsAsync(string window, SessionRecord session, int samples, CancellationToken ct)
    {
        var before = (await _windows.GetWindowAsync(sandboxId, window, null, ct))!.TurnCount;
        var (start, end, both) = (new List<double>(samples), new List<double>(samples), new List<double>(samples));
        for (var i = 0; i < samples; i++)
        {
            var (s, e) = await ExchangeAsync(window, session, 1, ct);
            start.Add(s);
            end.Add(e);
            both.Add(s + e);
        }

        return new AppendLatency(before, samples, Percentiles.Of(start), Percentiles.Of(end), Percentiles.Of(both));
    }

    // One run: its user turns in StartRunAsync, its assistant turn in EndRunAsync; returns the two calls' times.
    private async Task<(double StartMs, double EndMs)> ExchangeAsync(string window, SessionRecord session, int userTurns, CancellationToken ct)
    {
        var run = Run(window, session.Id);
        var turns = Enumerable.Range(0, userTurns).Select(_ => Turn(TurnRole.User, run.Id)).ToList();
        var started = Stopwatch.GetTimestamp();
        await _runs.StartRunAsync(new RunStart(run, null, turns), ct);
        var startMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        started = Stopwatch.GetTimestamp();
        await _runs.EndRunAsync(End(window, session.Id, run.Id), ct);
        return (startMs, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private RunRecord Run(string window, string session) =>
        new(_ids.NewId("run"), sandboxId, EndUser, window, session, FillProvider, "fill", RunStatus.Running, _time.GetUtcNow());

    private NewTurn Turn(string role, string runId) => new(role, role == TurnRole.User ? "User" : $"{FillProvider}/fill", FillProvider, "fill", runId,
        RunStatus.Succeeded, _time.GetUtcNow(), 12, [TurnPart.OfText("A filler turn of about twelve tokens, so the window has realistic rows.")]);

    private RunEnd End(string window, string session, string runId) => new(new RunScope(sandboxId, EndUser, window, session, runId), "fill",
        Turn(TurnRole.Assistant, runId), null, "[]", RunStatus.Succeeded, "end_turn", null, null, _time.GetUtcNow());
}
