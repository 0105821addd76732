using Portage.Protocol.Runs;
using Portage.Testing;

namespace Portage.Client.Tests;

/// <summary>The SDK's side of resumable runs, against the real router in process: event ids, resume, cancel.</summary>
public sealed class ResumeAndCancelTests
{
    [Fact]
    public async Task A_run_left_early_with_on_disconnect_continue_is_resumed_after_its_last_event_id()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Echo:DelayMilliseconds"] = "30" });
        using var http = app.CreateClient();
        using var router = Router(app, http);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var seen = new List<AgentEvent>();
        await foreach (var e in router.RunAsync(new RunOptions { Provider = "echo", Message = "tell me everything", EndUserId = "u-1", OnDisconnect = "continue" }, cancellationToken: guard.Token))
        {
            seen.Add(e);
            if (seen.Count == 3)
            {
                break;
            }
        }

        var runId = ((RunStarted)seen[0]).RunId;
        var rest = new List<AgentEvent>();
        await foreach (var e in router.ResumeAsync(runId, seen[^1].EventId, cancellationToken: guard.Token))
        {
            rest.Add(e);
        }

        Assert.Equal([$"{runId}:1", $"{runId}:2", $"{runId}:3"], seen.Select(e => e.EventId));
        Assert.Equal($"{runId}:4", rest[0].EventId);
        Assert.IsType<AgentFinish>(rest[^1]);
        var whole = new List<AgentEvent>();
        await foreach (var e in router.ResumeAsync(runId, cancellationToken: guard.Token))
        {
            whole.Add(e);
        }

        Assert.Equal(whole.Select(e => e.EventId), seen.Concat(rest).Select(e => e.EventId));
        Assert.Equal("succeeded", (await router.Client.Runs.GetAsync(app.SandboxId, runId, guard.Token)).Status);
    }

    [Fact]
    public async Task Cancel_stops_a_running_run_and_returns_it_cancelled()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Echo:DelayMilliseconds"] = "500" });
        using var http = app.CreateClient();
        using var router = Router(app, http);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await using var stream = router.RunAsync(new RunOptions { Provider = "echo", Message = "a long story", EndUserId = "u-1" }, cancellationToken: guard.Token)
            .GetAsyncEnumerator(guard.Token);
        Assert.True(await stream.MoveNextAsync());
        var runId = ((RunStarted)stream.Current).RunId;

        var cancelled = await router.Client.Runs.CancelAsync(app.SandboxId, runId, guard.Token);
        var last = stream.Current;
        while (await stream.MoveNextAsync())
        {
            last = stream.Current;
        }

        Assert.Equal("cancelled", cancelled.Status);
        Assert.Equal("run_cancelled", Assert.IsType<AgentError>(last).Type);
    }

    private static AgentRouter Router(PortageApp app, HttpClient http) => new(new AgentRouterOptions
    {
        ApiKey = app.Credentials.ApiKey,
        SandboxId = app.SandboxId,
        HttpClient = http,
    });
}
