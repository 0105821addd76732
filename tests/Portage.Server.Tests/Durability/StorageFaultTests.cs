using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portage.Core.Ingest;
using Portage.Core.Runs;
using Portage.Core.Tenancy;
using Portage.Testing;
using Portage.Testing.Fakes;

namespace Portage.Server.Tests.Durability;

/// <summary>
/// A database that refuses a write for a moment ("database is locked" under load, a failover) must cost no answer:
/// the run's final commit and its event log are retried, bookkeeping writes never fail a request, a request that
/// cannot be served is 503 with Retry-After, and a commit refused for good is told to the client and leaves no run
/// <c>running</c>.
/// </summary>
public sealed class StorageFaultTests
{
    private static SqliteException Locked() => new("SQLite Error 5: 'database is locked'.", 5);

    [Fact]
    public async Task A_final_commit_the_database_refuses_twice_is_retried_and_the_run_finishes_with_both_turns()
    {
        var refusals = 2;
        using var app = new PortageApp(services: s => StoreInterceptor.Replace<IRunStore>(s, call =>
            call.Method == nameof(IRunStore.EndRunAsync) && Interlocked.Decrement(ref refusals) >= 0
                ? Task.FromException<long>(Locked())
                : call.Proceed()));

        var run = await app.RunAsync(Runs.Body("Keep this answer."));

        Assert.True(run.Finished, run.Terminal.Data);
        var turns = await app.TurnsAsync(run.WindowId);
        Assert.Equal(["user", "assistant"], turns.EnumerateArray().Select(t => t.GetProperty("role").GetString()));
        Assert.Equal("succeeded", (await RunAsync(app, run.RunId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_final_commit_the_database_keeps_refusing_ends_with_storage_error_and_the_run_does_not_stay_running()
    {
        using var app = new PortageApp(
            settings: new Dictionary<string, string?> { ["Runs:CommitRetrySeconds"] = "0.5", ["Runs:LeaseSeconds"] = "1" },
            services: s => StoreInterceptor.Replace<IRunStore>(s, call =>
                call.Method == nameof(IRunStore.EndRunAsync) ? Task.FromException<long>(Locked()) : call.Proceed()));

        var run = await app.RunAsync(Runs.Body("This answer cannot be stored."));

        Assert.Equal("agent_error", run.Terminal.Event);
        Assert.Equal("storage_error", run.Terminal.Json.GetProperty("type").GetString());
        Assert.DoesNotContain(run.Frames, f => f.Event == "agent_finish");

        // Its lease expires unrenewed, and the router's own sweep ends the run.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        string? status;
        while ((status = (await RunAsync(app, run.RunId)).GetProperty("status").GetString()) == "running" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal("interrupted", status);
    }

    [Fact]
    public async Task Frames_the_database_refuses_for_a_moment_are_stored_later_and_a_resume_replays_the_whole_run()
    {
        var refusals = 3;
        using var app = new PortageApp(services: s => StoreInterceptor.Replace<IRunStore>(s, call =>
            call.Method == nameof(IRunStore.AppendRunEventsAsync) && Interlocked.Decrement(ref refusals) >= 0
                ? Task.FromException(Locked())
                : call.Proceed()));

        var run = await app.RunAsync(Runs.Body("Log every frame."));
        Assert.True(run.Finished);

        var replay = await ReplayAsync(app, run.RunId);
        Assert.Equal(run.Frames.Select(f => (f.Id, f.Event, f.Data)), replay.Select(f => (f.Id, f.Event, f.Data)));
    }

    [Fact]
    public async Task A_key_whose_last_use_cannot_be_recorded_still_authenticates()
    {
        using var app = new PortageApp(services: s => StoreInterceptor.Replace<ITenancyStore>(s, call =>
            call.Method == nameof(ITenancyStore.TouchApiKeyAsync) ? Task.FromException(Locked()) : call.Proceed()));

        using var response = await app.Client.GetAsync(new Uri("/api/v1/storage/sandboxes", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task An_ingest_the_database_cannot_take_is_503_storage_busy_with_retry_after()
    {
        using var app = new PortageApp(services: s => StoreInterceptor.Replace<IIngestStore>(s, call =>
            call.Method == nameof(IIngestStore.EnqueueAsync) ? Task.FromException(Locked()) : call.Proceed()));

        using var response = await app.Client.PostAsJsonAsync(new Uri($"/api/v1/storage/sandboxes/{app.SandboxId}/ingest", UriKind.Relative),
            new { text = "# Frost\n\nAlerts fire below -2 °C." });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "503 without Retry-After");
        var (_, error, detail) = await Runs.ErrorOf(response);
        Assert.Equal("storage_busy", error);
        Assert.Contains("nothing was changed", detail, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<JsonElement> RunAsync(PortageApp app, string runId) =>
        await app.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/storage/sandboxes/{app.SandboxId}/agents/runs/{runId}", UriKind.Relative));

    private static async Task<List<SseFrame>> ReplayAsync(PortageApp app, string runId)
    {
        using var response = await app.Client.GetAsync(new Uri($"/api/v1/storage/sandboxes/{app.SandboxId}/agents/runs/{runId}/events", UriKind.Relative),
            HttpCompletionOption.ResponseHeadersRead);
        var frames = new List<SseFrame>();
        await foreach (var frame in SseFrames.ReadAsync(await response.Content.ReadAsStreamAsync()))
        {
            if (frame.Event != ":")
            {
                frames.Add(frame);
            }
        }

        return frames;
    }
}
