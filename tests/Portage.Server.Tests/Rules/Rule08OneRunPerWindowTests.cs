using Portage.Testing;

namespace Portage.Server.Tests.Rules;

/// <summary>
/// Rule 8: one run at a time per window. Naming a busy window (id or session) is an immediate 409; a run that found it
/// as the active window waits up to Runs:LockWaitSeconds, then 409.
/// </summary>
public sealed class Rule08OneRunPerWindowTests
{
    [Fact]
    public async Task Naming_a_busy_window_is_409_run_in_progress_at_once()
    {
        var gate = new Gate();
        using var app = new PortageApp([Providers.Scripted(new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) })]);
        var client = app.Client;
        using var busy = await SseFrames.StartRunAsync(client, app.RunPath(), Runs.Body("long", provider: "scripted"));
        var started = await FirstFrameAsync(busy);

        var bySession = await app.RunErrorAsync(Runs.Body("me too", session: started.GetProperty("session_id").GetString()));
        var byWindow = await app.RunErrorAsync(Runs.Body("me too", window: started.GetProperty("context_window_id").GetString()));
        Assert.Equal((409, "run_in_progress"), (bySession.Status, bySession.Error));
        Assert.Equal((409, "run_in_progress"), (byWindow.Status, byWindow.Error));
        gate.Open();
    }

    [Fact]
    public async Task Active_window_run_waits_for_the_running_one_and_then_continues_the_same_window()
    {
        var gate = new Gate();
        using var app = new PortageApp([Providers.Scripted(new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) })],
            new Dictionary<string, string?> { ["Runs:LockWaitSeconds"] = "20" });
        var client = app.Client;
        using var busy = await SseFrames.StartRunAsync(client, app.RunPath(), Runs.Body("long", provider: "scripted"));
        var started = await FirstFrameAsync(busy);

        var waiting = app.RunAsync(Runs.Body("after you"));
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        gate.Open();
        var second = await waiting;
        Assert.Equal(started.GetProperty("context_window_id").GetString(), second.WindowId);
        Assert.Contains("received 2 prior turns", second.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Active_window_run_gives_up_with_409_after_the_lock_wait()
    {
        var gate = new Gate();
        using var app = new PortageApp([Providers.Scripted(new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) })],
            new Dictionary<string, string?> { ["Runs:LockWaitSeconds"] = "0.3" });
        var client = app.Client;
        using var busy = await SseFrames.StartRunAsync(client, app.RunPath(), Runs.Body("long", provider: "scripted"));
        await FirstFrameAsync(busy);

        var (status, error, detail) = await app.RunErrorAsync(Runs.Body("after you"));
        Assert.Equal((409, "run_in_progress"), (status, error));
        Assert.Contains("new_window", detail, StringComparison.Ordinal);
        gate.Open();
    }

    /// <summary>Reads up to the first text delta (the provider is now running) and returns the run_started data.</summary>
    internal static async Task<System.Text.Json.JsonElement> FirstFrameAsync(HttpResponseMessage response)
    {
        System.Text.Json.JsonElement started = default;
        var stream = await response.Content.ReadAsStreamAsync();
        await foreach (var frame in SseFrames.ReadAsync(stream))
        {
            if (frame.Event == "run_started")
            {
                started = frame.Json;
            }

            if (frame.Event == "agent_text_delta")
            {
                break;
            }
        }

        return started;
    }
}
