using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Testing;
using Xunit.Abstractions;

namespace Portage.Server.Tests.Durability;

/// <summary>
/// Rules 7 and 10 against real crashes: the built server runs as a child process on one data folder and is killed
/// (SIGKILL on Linux) at a random point of each of 20 runs — idle, while the request is in flight, at run_started,
/// after some deltas, at a tool call or its result, as the answer commits, right after agent_finish, or at a random
/// moment — then started again on the same folder. After every restart: each turn the client saw committed is in the
/// window in order with its text, no run is left running, and the window takes a new turn. At the end, every run reads
/// again from its event log, and resuming where the client was cut off ends with a terminal frame.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private const int KilledRuns = 20;
    private const string EndUser = "crash-user";
    private static readonly TimeSpan s_testTimeout = TimeSpan.FromSeconds(180);
    private static readonly HashSet<string> s_terminal = ["succeeded", "failed", "cancelled", "timeout", "interrupted"];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portage-tests", "crash-" + Guid.NewGuid().ToString("n"));
    private readonly List<ServerProcess> _servers = [];
    private readonly List<TimeSpan> _starts = [];

    [Fact]
    public Task Twenty_runs_killed_at_random_points_lose_no_committed_turn_leave_no_run_running_and_the_window_continues() =>
        TestSeed.RunAsync(output, nameof(CrashTests), async random =>
        {
            using var timeout = new CancellationTokenSource(s_testTimeout);
            var ct = timeout.Token;
            var clock = Stopwatch.StartNew();
            var ledger = new Ledger();

            // Content in the sandbox, so the offline model is offered the retrieval tools and "/discover …" calls one.
            var server = await StartServerAsync(ct);
            await IngestAsync(server, ct);
            var first = await CompleteTurnAsync(server, null, "What are my open GitHub issues?", ledger, ct);
            var windowId = first.WindowId;

            foreach (var (point, index) in KillPlan(random).Select((p, i) => (p, i)))
            {
                var message = point is KillPoint.ToolCall or KillPoint.ToolResult || random.Next(3) == 0
                    ? $"/discover frost alerts and sensor placement, question {index}"
                    : $"Question {index}: which issues are blocked?";
                var attempt = await RunAndKillAsync(server, windowId, point, message, random, ct);
                ledger.Add(attempt);

                server = await StartServerAsync(ct);
                await VerifyAsync(server, windowId, ledger, ct);
                output.WriteLine($"run {index + 1,2}: {point,-11} {attempt}{await StatusAsync(server, attempt.RunId, ct)}");
                var next = await CompleteTurnAsync(server, windowId, $"After kill {index + 1}: draft a comment.", ledger, ct);
                Assert.Contains("My previous answer was", next.Text, StringComparison.Ordinal);
            }

            await VerifyAsync(server, windowId, ledger, ct);
            var replays = Stopwatch.StartNew();
            await VerifyReplaysAsync(server, ledger, ct);
            output.WriteLine($"{KilledRuns} kills, {ledger.Committed.Count()} committed turns, {ledger.Started.Count} runs seen starting; " +
                $"{_starts.Count} starts took {_starts.Sum(s => s.TotalSeconds):0.0} s (mean {_starts.Average(s => s.TotalMilliseconds):0} ms); " +
                $"replays {replays.Elapsed.TotalSeconds:0.0} s; whole test {clock.Elapsed.TotalSeconds:0.0} s");
        });

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up with the temp folder.
        }
    }

    // Every point at least twice, the rest drawn at random, in a seeded order.
    private static List<KillPoint> KillPlan(Random random)
    {
        var points = Enum.GetValues<KillPoint>();
        var plan = points.Concat(points).ToList();
        while (plan.Count < KilledRuns)
        {
            plan.Add(points[random.Next(points.Length)]);
        }

        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(plan));
        return plan[..KilledRuns];
    }

    private static async Task<Attempt> RunAndKillAsync(ServerProcess server, string windowId, KillPoint point, string message, Random random, CancellationToken ct)
    {
        var attempt = new Attempt(message);
        if (point == KillPoint.Idle)
        {
            await server.KillAsync(ct);
            return attempt;
        }

        var afterDeltas = random.Next(1, 4);
        using var http = server.CreateClient();
        var timedKill = point switch
        {
            KillPoint.InFlight => KillLaterAsync(server, random.Next(0, 25), ct),
            KillPoint.AnyTime => KillLaterAsync(server, random.Next(0, 600), ct),
            _ => null,
        };
        try
        {
            using var response = await SseFrames.StartRunAsync(http, server.RunPath, Body(message, windowId), ct);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Assert.Fail($"the run answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
            }

            await foreach (var frame in SseFrames.ReadAsync(await response.Content.ReadAsStreamAsync(ct), ct))
            {
                attempt.See(frame);
                if (timedKill is null && IsKillPoint(point, frame, attempt, afterDeltas))
                {
                    attempt.KilledAt = $"at {frame.Event} #{attempt.Frames}";
                    await server.KillAsync(ct);
                    return attempt;
                }
            }
        }
        catch (Exception ex) when (timedKill is not null && ex is HttpRequestException or IOException)
        {
            // The timed kill cut the request or the stream: the client keeps what it saw.
        }

        if (timedKill is not null)
        {
            await timedKill;
            attempt.KilledAt = $"after {attempt.Frames} frames (timed)";
        }
        else
        {
            // The stream ended before the point came (a run without that frame): the kill finds the server idle.
            attempt.KilledAt = "idle, the run had ended";
            await server.KillAsync(ct);
        }

        return attempt;
    }

    private static bool IsKillPoint(KillPoint point, SseFrame frame, Attempt attempt, int afterDeltas) => point switch
    {
        KillPoint.RunStarted => frame.Event == "run_started",
        KillPoint.MidDelta => frame.Event == "agent_text_delta" && attempt.Deltas == afterDeltas,
        KillPoint.ToolCall => frame.Event == "agent_tool_call",
        KillPoint.ToolResult => frame.Event == "agent_tool_result",
        // The offline model's last delta is the only one without a trailing space; the commit follows it at once, so the
        // kill lands just before or just after it (the run is then interrupted or succeeded: both must hold up).
        KillPoint.Commit => frame.Event == "agent_text_delta" && !frame.Json.GetProperty("text").GetString()!.EndsWith(' '),
        KillPoint.AfterFinish => frame.Event == "agent_finish",
        _ => false,
    };

    private static async Task KillLaterAsync(ServerProcess server, int milliseconds, CancellationToken ct)
    {
        await Task.Delay(milliseconds, ct);
        await server.KillAsync(ct);
    }

    // (a) every committed turn is in the window, in order, with its text; (b) every run is in a terminal status and
    // has exactly one assistant turn with that status; runs the client saw start have their user turn.
    private static async Task VerifyAsync(ServerProcess server, string windowId, Ledger ledger, CancellationToken ct)
    {
        using var http = server.CreateClient();
        var turns = (await http.GetFromJsonAsync<JsonElement>($"{server.SandboxPath}/sources/{windowId}/turns", ct))
            .GetProperty("turns").EnumerateArray().Select(StoredTurn.From).ToList();

        var position = 0;
        foreach (var committed in ledger.Committed)
        {
            var user = turns.FindIndex(position, t => t.RunId == committed.RunId && t.Role == "user");
            Assert.True(user >= 0, $"the user turn of committed run {committed.RunId} is missing or out of order");
            Assert.Equal(committed.Message, turns[user].Text);
            var answer = turns.FindIndex(user + 1, t => t.RunId == committed.RunId && t.Role == "assistant");
            Assert.True(answer >= 0, $"the answer of committed run {committed.RunId} is missing or out of order");
            Assert.Equal(("succeeded", committed.Text), (turns[answer].Status, turns[answer].Text));
            position = answer + 1;
        }

        foreach (var started in ledger.Started)
        {
            Assert.Equal(started.Message, Assert.Single(turns, t => t.RunId == started.RunId && t.Role == "user").Text);
            var run = await http.GetFromJsonAsync<JsonElement>($"{server.SandboxPath}/agents/runs/{started.RunId}", ct);
            Assert.True(s_terminal.Contains(run.GetProperty("status").GetString()!), $"run {started.RunId} is {run.GetProperty("status")}");
        }

        var runs = (await http.GetFromJsonAsync<JsonElement>($"{server.SandboxPath}/agents/runs?context_window_id={windowId}&limit=200", ct))
            .GetProperty("runs").EnumerateArray().ToList();
        Assert.All(ledger.Started, s => Assert.Contains(runs, r => r.GetProperty("run_id").GetString() == s.RunId));
        foreach (var run in runs)
        {
            var (runId, status) = (run.GetProperty("run_id").GetString()!, run.GetProperty("status").GetString()!);
            Assert.True(s_terminal.Contains(status), $"run {runId} is {status}");
            Assert.Equal(status, Assert.Single(turns, t => t.RunId == runId && t.Role == "assistant").Status);
        }

        Assert.All(ledger.Committed, c => Assert.Equal("succeeded", runs.Single(r => r.GetProperty("run_id").GetString() == c.RunId).GetProperty("status").GetString()));
        var running = await http.GetFromJsonAsync<JsonElement>($"{server.SandboxPath}/agents/runs?status=running", ct);
        Assert.Empty(running.GetProperty("runs").EnumerateArray());
    }

    // (d) every run the client saw start reads again from its event log, consistently with what the client saw, and a
    // client resuming with the Last-Event-ID it had gets the rest and one terminal frame (nothing after one it already
    // had): never a stream that waits for a run whose process died.
    private static async Task VerifyReplaysAsync(ServerProcess server, Ledger ledger, CancellationToken ct)
    {
        using var http = server.CreateClient();
        foreach (var started in ledger.Started)
        {
            var replay = await EventsAsync(http, server, started.RunId!, null, ct);
            Assert.True(replay.Count > 0 && IsTerminal(replay[^1]) && replay.Count(IsTerminal) == 1, $"the replay of {started.RunId} does not end with one terminal frame");
            var text = replay.Text();
            Assert.True(text.StartsWith(started.Text, StringComparison.Ordinal) || started.Text.StartsWith(text, StringComparison.Ordinal),
                $"the replay of {started.RunId} says \"{text}\" where the client saw \"{started.Text}\"");

            var rest = await EventsAsync(http, server, started.RunId!, started.LastEventId, ct);
            Assert.True(started.Finished ? rest.Count == 0 : rest.Count > 0 && IsTerminal(rest[^1]),
                $"resuming {started.RunId} after {started.LastEventId} gave {string.Join(", ", rest.Select(f => f.Event))}");
        }
    }

    private static async Task<List<SseFrame>> EventsAsync(HttpClient http, ServerProcess server, string runId, string? lastEventId, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(30));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{server.SandboxPath}/agents/runs/{runId}/events");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var frames = new List<SseFrame>();
        await foreach (var frame in SseFrames.ReadAsync(await response.Content.ReadAsStreamAsync(limit.Token), limit.Token))
        {
            if (frame.Event != ":")
            {
                frames.Add(frame);
            }
        }

        return frames;
    }

    private static bool IsTerminal(SseFrame frame) => frame.Event is "agent_finish" or "agent_error";

    private static async Task<string> StatusAsync(ServerProcess server, string? runId, CancellationToken ct)
    {
        if (runId is null)
        {
            return "";
        }

        using var http = server.CreateClient();
        return " → " + (await http.GetFromJsonAsync<JsonElement>($"{server.SandboxPath}/agents/runs/{runId}", ct)).GetProperty("status").GetString();
    }

    // (c) a whole turn in the window: it must finish, in the same window.
    private static async Task<(string WindowId, string Text)> CompleteTurnAsync(ServerProcess server, string? windowId, string message, Ledger ledger, CancellationToken ct)
    {
        using var http = server.CreateClient();
        var frames = await SseFrames.RunAsync(http, server.RunPath, Body(message, windowId), ct);
        Assert.Equal("agent_finish", frames.Terminal().Event);
        var started = frames[0].Json;
        Assert.Equal(windowId ?? started.GetProperty("context_window_id").GetString(), started.GetProperty("context_window_id").GetString());
        var attempt = new Attempt(message);
        frames.ForEach(attempt.See);
        ledger.Add(attempt);
        return (started.GetProperty("context_window_id").GetString()!, frames.Text());
    }

    private static async Task IngestAsync(ServerProcess server, CancellationToken ct)
    {
        using var http = server.CreateClient();
        using var response = await http.PostAsJsonAsync($"{server.SandboxPath}/ingest", new Dictionary<string, object?>
        {
            ["text"] = "# Frost alerts\n\nAlerts fire below -2 °C.\n\n## Sensor placement\n\nMount sensors 1.5 m above ground, away from walls.",
            ["source_type"] = "markdown",
            ["file_path"] = "notes/frost.md",
        }, ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var statusUrl = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("status_url").GetString()!;
        while ((await http.GetFromJsonAsync<JsonElement>(statusUrl, ct)).GetProperty("status").GetString() is not ("completed" or "failed"))
        {
            await Task.Delay(25, ct);
        }
    }

    private static Dictionary<string, object?> Body(string message, string? windowId) => Runs.Body(message, EndUser, window: windowId);

    private async Task<ServerProcess> StartServerAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        // Deltas 25 ms apart: slow enough for kills to land between them, fast enough for 40 runs in seconds.
        var server = ServerProcess.Start(_folder, "--Echo:DelayMilliseconds=25", "--Logging:LogLevel:Microsoft.AspNetCore=Warning");
        _servers.Add(server);
        await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60), ct);
        _starts.Add(clock.Elapsed);
        return server;
    }

    private enum KillPoint
    {
        Idle,
        InFlight,
        RunStarted,
        MidDelta,
        ToolCall,
        ToolResult,
        Commit,
        AfterFinish,
        AnyTime,
    }
}
