using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Server.Tests.Durability;
using Portage.Server.Tests.Retrieval;
using Portage.Server.Tests.Streams;
using Portage.Testing;
using Portage.Testing.Postgres;

namespace Portage.Server.Tests.Replicas;

/// <summary>
/// Issue 5, scope 5: two router processes on one PostgreSQL database, as behind a load balancer. Conversations
/// continue on either, a dropped stream is resumed on the other without the model running twice, a cancel reaches the
/// replica running the run, and a killed replica's run is marked interrupted by the one left.
/// </summary>
public sealed class ReplicaTests : IAsyncLifetime
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(120);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portage-tests", "replicas-" + Guid.NewGuid().ToString("n"));
    private readonly List<ServerProcess> _servers = [];
    private readonly CancellationTokenSource _timeout = new(s_limit);
    private TestSchema? _schema;

    public async Task InitializeAsync() => _schema = await TestPostgres.CreateSchemaAsync();

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }

        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }

        _timeout.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Turns_alternate_between_replicas_and_each_sees_the_whole_conversation()
    {
        var (a, b) = await StartPairAsync(echoDelayMs: 0);
        using var onA = a.CreateClient();
        using var onB = b.CreateClient();
        HttpClient[] clients = [onA, onB];

        string? session = null;
        var answers = new List<string>();
        for (var turn = 0; turn < 4; turn++)
        {
            var server = turn % 2 == 0 ? a : b;
            var frames = await SseFrames.RunAsync(clients[turn % 2], server.RunPath, Runs.Body($"turn {turn + 1}", session: session), _timeout.Token);
            Assert.Equal("agent_finish", frames.Terminal().Event);
            session = frames.Terminal().Json.GetProperty("session_id").GetString();
            answers.Add(frames.Text());
        }

        Assert.Contains("received 6 prior turns", answers[3], StringComparison.Ordinal);
        Assert.Contains("turn 3", answers[3], StringComparison.Ordinal);
        var windowId = (await clients[0].GetFromJsonAsync<JsonElement>($"{a.SandboxPath}/agents/runs?limit=1", _timeout.Token))
            .GetProperty("runs")[0].GetProperty("context_window_id").GetString()!;
        var turns = await TurnsAsync(clients[1], b, windowId);
        Assert.True(turns.GetArrayLength() == 8, turns.ToString());
    }

    [Fact]
    public async Task A_stream_dropped_on_one_replica_is_resumed_on_the_other_and_the_model_runs_once()
    {
        var (a, b) = await StartPairAsync(echoDelayMs: 60);
        using var onA = a.CreateClient();
        using var onB = b.CreateClient();
        HttpClient[] clients = [onA, onB];
        var body = Runs.Body("tell me a long story").With("on_disconnect", "continue");

        var (response, reader, seen) = await StreamKit.StartAndReadAsync(clients[0], a.RunPath, body, count: 3);
        var runId = seen[0].Json.GetProperty("run_id").GetString()!;
        var windowId = seen[0].Json.GetProperty("context_window_id").GetString()!;
        await reader.DisposeAsync();
        response.Dispose();

        var rest = await StreamKit.ResumeAsync(clients[1], $"{b.SandboxPath}/agents/runs/{runId}/events", seen[^1].Id);

        Assert.Equal(seen.Count + 1, int.Parse(rest[0].Id!.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("agent_finish", rest[^1].Event);
        var turns = await TurnsAsync(clients[1], b, windowId);
        Assert.Equal(2, turns.GetArrayLength());
        Assert.Equal(turns[1].GetProperty("text").GetString(), seen.Concat(rest).Text());
        var whole = await StreamKit.ResumeAsync(clients[1], $"{b.SandboxPath}/agents/runs/{runId}/events");
        Assert.Equal(seen.Concat(rest), whole);
    }

    [Fact]
    public async Task A_run_on_one_replica_is_cancelled_from_the_other()
    {
        var (a, b) = await StartPairAsync(echoDelayMs: 400);
        using var onA = a.CreateClient();
        using var onB = b.CreateClient();
        HttpClient[] clients = [onA, onB];

        var (response, reader, seen) = await StreamKit.StartAndReadAsync(clients[0], a.RunPath, Runs.Body("go on and on"), count: 2);
        using (response)
        {
            var runId = seen[0].Json.GetProperty("run_id").GetString()!;
            using var cancel = await clients[1].PostAsync(new Uri($"{b.SandboxPath}/agents/runs/{runId}/cancel", UriKind.Relative), null, _timeout.Token);
            Assert.Contains(cancel.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Accepted });

            var rest = await StreamKit.RestAsync(reader);
            Assert.Equal(("agent_error", "run_cancelled"), (rest[^1].Event, rest[^1].Json.GetProperty("type").GetString()));
            var run = await clients[1].GetFromJsonAsync<JsonElement>($"{b.SandboxPath}/agents/runs/{runId}", _timeout.Token);
            Assert.Equal("cancelled", run.GetProperty("status").GetString());
            await reader.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_killed_replicas_run_is_marked_interrupted_by_the_other_and_its_window_goes_on()
    {
        var (a, b) = await StartPairAsync(echoDelayMs: 400);
        using var onA = a.CreateClient();
        using var onB = b.CreateClient();
        HttpClient[] clients = [onA, onB];

        var (response, reader, seen) = await StreamKit.StartAndReadAsync(clients[0], a.RunPath, Runs.Body("this will be cut"), count: 2);
        var runId = seen[0].Json.GetProperty("run_id").GetString()!;
        var windowId = seen[0].Json.GetProperty("context_window_id").GetString()!;
        await a.KillAsync(_timeout.Token);
        await reader.DisposeAsync();
        response.Dispose();

        // Replica b sweeps every half lease (Runs:LeaseSeconds=2) and finds the dead run's lease expired.
        string status;
        do
        {
            await Task.Delay(200, _timeout.Token);
            status = (await clients[1].GetFromJsonAsync<JsonElement>($"{b.SandboxPath}/agents/runs/{runId}", _timeout.Token)).GetProperty("status").GetString()!;
        }
        while (status == "running");

        Assert.Equal("interrupted", status);
        var rest = await StreamKit.ResumeAsync(clients[1], $"{b.SandboxPath}/agents/runs/{runId}/events", seen[^1].Id);
        Assert.Equal(("agent_error", "run_interrupted"), (rest[^1].Event, rest[^1].Json.GetProperty("type").GetString()));
        var next = await SseFrames.RunAsync(clients[1], b.RunPath, Runs.Body("are you still there?", window: windowId), _timeout.Token);
        Assert.Equal("agent_finish", next.Terminal().Event);
        var turns = await TurnsAsync(clients[1], b, windowId);
        Assert.Equal(["succeeded", "interrupted", "succeeded", "succeeded"], turns.EnumerateArray().Select(t => t.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_key_revoked_on_one_replica_ends_its_streams_on_the_other_at_once()
    {
        // No re-check within the test's time: only the revocation signal (LISTEN/NOTIFY) can end the stream.
        var (a, b) = await StartPairAsync(echoDelayMs: 500, "--Server:KeyRecheckSeconds=3600");
        using var onA = a.CreateClient();
        using var created = await onA.PostAsJsonAsync("/api/v1/api-keys", new { name = "backend" }, _timeout.Token);
        var key = await created.Content.ReadFromJsonAsync<JsonElement>(_timeout.Token);
        using var onB = b.CreateClient();
        onB.DefaultRequestHeaders.Authorization = new("Bearer", key.GetProperty("key").GetString());

        var (response, reader, seen) = await StreamKit.StartAndReadAsync(onB, b.RunPath, Runs.Body("a long answer, please"), count: 2);
        using (response)
        {
            var runId = seen[0].Json.GetProperty("run_id").GetString()!;
            using var revoke = await onA.DeleteAsync(new Uri($"/api/v1/api-keys/{key.GetProperty("id").GetString()}", UriKind.Relative), _timeout.Token);
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

            var rest = await StreamKit.RestAsync(reader);
            Assert.Equal(("agent_error", "key_revoked"), (rest[^1].Event, rest[^1].Json.GetProperty("type").GetString()));
            string status;
            do
            {
                await Task.Delay(100, _timeout.Token);
                status = (await onA.GetFromJsonAsync<JsonElement>($"{a.SandboxPath}/agents/runs/{runId}", _timeout.Token)).GetProperty("status").GetString()!;
            }
            while (status == "running");

            Assert.Equal("cancelled", status);
            await reader.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_sandbox_suspended_on_one_replica_refuses_runs_on_the_other_well_before_its_cached_copy_would_expire()
    {
        var (a, b) = await StartPairAsync(echoDelayMs: 0);
        using var onA = a.CreateClient();
        using var onB = b.CreateClient();
        // B has read the sandbox (and keeps it for a few seconds): only the change signal (LISTEN/NOTIFY) can tell it.
        Assert.Equal("agent_finish", (await SseFrames.RunAsync(onB, b.RunPath, Runs.Body("hello"), _timeout.Token)).Terminal().Event);

        using (var suspend = await onA.PostAsync(new Uri($"{a.SandboxPath}/suspend", UriKind.Relative), null, _timeout.Token))
        {
            Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        }

        var suspendedAt = DateTimeOffset.UtcNow;
        HttpStatusCode status;
        do
        {
            using var run = await onB.PostAsJsonAsync(b.RunPath, Runs.Body("still there?"), _timeout.Token);
            status = run.StatusCode;
            if (status == HttpStatusCode.Conflict)
            {
                Assert.Equal("sandbox_suspended", (await run.Content.ReadFromJsonAsync<JsonElement>(_timeout.Token)).GetProperty("error").GetString());
                break;
            }

            await run.Content.ReadAsStringAsync(_timeout.Token);
            await Task.Delay(50, _timeout.Token);
        }
        while (DateTimeOffset.UtcNow - suspendedAt < TimeSpan.FromSeconds(2));

        Assert.Equal(HttpStatusCode.Conflict, status);
    }

    [Fact]
    public async Task Content_ingested_through_one_replica_is_offered_to_runs_on_the_other_well_before_its_cached_answer_would_expire()
    {
        // B has no ingest worker, so A's worker stores the chunks and only the change signal (LISTEN/NOTIFY) can tell B.
        var (a, b) = await StartPairAsync(echoDelayMs: 0, onlyB: ["--Ingest:Concurrency=0"]);
        using var onA = a.CreateClient();
        using var onB = b.CreateClient();
        // B learns the sandbox has no content (and keeps that for a few seconds): "/discover …" calls no tool there.
        var before = await SseFrames.RunAsync(onB, b.RunPath, Runs.Body("/discover frost alerts"), _timeout.Token);
        Assert.DoesNotContain(before, f => f.Event == "agent_tool_call");

        await Knowledge.IngestAsync(onA, a.Credentials.SandboxId, [("notes/frost.md", "# Frost alerts\n\nAlerts fire below -2 °C.")]);

        var completedAt = DateTimeOffset.UtcNow;
        bool called;
        do
        {
            var frames = await SseFrames.RunAsync(onB, b.RunPath, Runs.Body("/discover frost alerts", newWindow: true), _timeout.Token);
            called = frames.Any(f => f.Event == "agent_tool_call");
            if (!called)
            {
                await Task.Delay(50, _timeout.Token);
            }
        }
        while (!called && DateTimeOffset.UtcNow - completedAt < TimeSpan.FromSeconds(2));

        Assert.True(called);
    }

    private async Task<(ServerProcess A, ServerProcess B)> StartPairAsync(int echoDelayMs, params string[] extra) =>
        await StartPairAsync(echoDelayMs, [], extra);

    private async Task<(ServerProcess A, ServerProcess B)> StartPairAsync(int echoDelayMs, string[] onlyB, params string[] extra)
    {
        string[] settings =
        [
            "--Storage:Provider=postgres",
            $"--ConnectionStrings:Postgres={_schema!.ConnectionString}",
            "--Runs:LeaseSeconds=2",
            $"--Echo:DelayMilliseconds={echoDelayMs}",
            .. extra,
        ];

        // One after the other: the first start creates the account and writes the shared credentials file.
        var a = ServerProcess.Start(_folder, settings);
        _servers.Add(a);
        await a.WaitUntilReadyAsync(TimeSpan.FromSeconds(60), _timeout.Token);
        var b = ServerProcess.Start(_folder, [.. settings, .. onlyB]);
        _servers.Add(b);
        await b.WaitUntilReadyAsync(TimeSpan.FromSeconds(60), _timeout.Token);
        return (a, b);
    }

    private async Task<JsonElement> TurnsAsync(HttpClient client, ServerProcess server, string windowId) =>
        (await client.GetFromJsonAsync<JsonElement>($"{server.SandboxPath}/sources/{windowId}/turns", _timeout.Token)).GetProperty("turns");
}
