using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Load;

/// <summary>
/// Many clients at once against one router for a bounded time: runs (the end user's active window, sometimes a new
/// window, sometimes with an idempotency key), small ingests and conversation ingests into the client's own window.
/// Every response is kept in a ledger that the test then checks against what the router stored.
/// </summary>
internal sealed class LoadDriver(Func<HttpClient> newClient, string sandboxId, int clients, int endUsers, TimeSpan duration, int seed)
{
    private readonly string _sandboxPath = $"/api/v1/storage/sandboxes/{sandboxId}";

    private readonly ConcurrentBag<Outcome> _outcomes = [];

    public IReadOnlyCollection<Outcome> Outcomes => _outcomes;

    public TimeSpan Elapsed { get; private set; }

    public async Task RunAsync()
    {
        var clock = Stopwatch.StartNew();
        var until = DateTime.UtcNow + duration;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(i => Task.Run(() => ClientAsync(i, until))));
        Elapsed = clock.Elapsed;
    }

    private async Task ClientAsync(int index, DateTime until)
    {
        var random = new Random(seed + index);
        var endUser = $"load-user-{index % endUsers}";
        using var http = newClient();
        http.Timeout = TimeSpan.FromMinutes(2);
        string? window = null;
        var n = 0;
        // A slow machine still gets every kind of request from every client: a run, an ingest and a conversation turn first.
        while (DateTime.UtcNow < until || n < 3)
        {
            n++;
            var roll = n switch { 1 => 0, 2 => 70, 3 => 90, _ => random.Next(100) };
            var clock = Stopwatch.StartNew();
            if (roll < 65 || (roll >= 85 && window is null))
            {
                var body = Runs.Body($"client {index} message {n}: what is new?", endUser, newWindow: roll >= 60 && roll < 65 ? true : null);
                if (roll % 7 == 0)
                {
                    body["idempotency_key"] = $"load-{seed}-{index}-{n}";
                }

                var outcome = await RunAsync(http, body, clock);
                window = outcome.WindowId ?? window;
                _outcomes.Add(outcome with { EndUser = endUser });
            }
            else if (roll < 85)
            {
                using var response = await http.PostAsJsonAsync(_sandboxPath + "/ingest", new
                {
                    text = $"# Note {index}-{n}\n\nLoad note number {n} of client {index}: sensors report frost at dawn.",
                    source_type = "markdown",
                    file_path = $"load/{index}/{n}.md",
                    end_user_id = endUser,
                });
                var text = await response.Content.ReadAsStringAsync();
                _outcomes.Add(new Outcome(Kind.Ingest, (int)response.StatusCode, clock.Elapsed, endUser, null, null, JobUrl(text), [], text));
            }
            else
            {
                using var response = await http.PostAsJsonAsync(_sandboxPath + "/ingest", new
                {
                    text = $"client {index} noted fact {n}",
                    source_type = "conversation",
                    data_source_id = window,
                    speaker = "User",
                    end_user_id = endUser,
                });
                var text = await response.Content.ReadAsStringAsync();
                _outcomes.Add(new Outcome(Kind.Turn, (int)response.StatusCode, clock.Elapsed, endUser, null, window, JobUrl(text), [], text));
            }
        }
    }

    private async Task<Outcome> RunAsync(HttpClient http, Dictionary<string, object?> body, Stopwatch clock)
    {
        using var response = await SseFrames.StartRunAsync(http, _sandboxPath + "/agents/run", body);
        if (!response.IsSuccessStatusCode)
        {
            return new Outcome(Kind.Run, (int)response.StatusCode, clock.Elapsed, "", null, null, null, [], await response.Content.ReadAsStringAsync());
        }

        var frames = new List<SseFrame>();
        await foreach (var frame in SseFrames.ReadAsync(await response.Content.ReadAsStreamAsync()))
        {
            if (frame.Event != ":")
            {
                frames.Add(frame);
            }
        }

        var started = frames.FirstOrDefault(f => f.Event == "run_started");
        return new Outcome(Kind.Run, (int)response.StatusCode, clock.Elapsed, "",
            started?.Json.GetProperty("run_id").GetString(), started?.Json.GetProperty("context_window_id").GetString(), null, frames, "");
    }

    private static string? JobUrl(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("status_url", out var url) ? url.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal enum Kind
    {
        Run,
        Ingest,
        Turn,
    }

    /// <summary>One request and what came back.</summary>
    internal sealed record Outcome(Kind Kind, int Status, TimeSpan Latency, string EndUser, string? RunId, string? WindowId, string? JobUrl, List<SseFrame> Frames, string Body)
    {
        public string? Terminal => Frames.LastOrDefault(f => f.Event is "agent_finish" or "agent_error")?.Event;

        public string? ErrorType => Frames.LastOrDefault(f => f.Event == "agent_error")?.Json.GetProperty("type").GetString();
    }
}
