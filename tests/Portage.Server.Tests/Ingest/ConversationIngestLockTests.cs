using System.Net;
using System.Net.Http.Json;
using Portage.Server.Tests.Rules;
using Portage.Testing;

namespace Portage.Server.Tests.Ingest;

/// <summary>
/// Rule 8 holds for turns that do not come from runs: a conversation ingest (Copass <c>window.addTurn</c>, MCP
/// <c>context_window_add_turn</c>) into a window with a run in progress waits for the run, so it never lands between the
/// run's user turn and its answer; past <c>Runs:LockWaitSeconds</c> it is 409 <c>run_in_progress</c>.
/// </summary>
public sealed class ConversationIngestLockTests
{
    [Fact]
    public async Task A_turn_added_during_a_run_waits_for_the_run_and_lands_after_its_answer()
    {
        var gate = new Gate();
        using var app = new PortageApp([Providers.Scripted(new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) })],
            new Dictionary<string, string?> { ["Runs:LockWaitSeconds"] = "20" });
        using var busy = await SseFrames.StartRunAsync(app.Client, app.RunPath(), Runs.Body("long question", endUser: "u-1", provider: "scripted"));
        var window = await WindowOfAsync(busy);

        var added = app.Client.PostAsJsonAsync(new Uri(app.IngestPath(), UriKind.Relative),
            new { text = "a note typed meanwhile", source_type = "conversation", data_source_id = window, end_user_id = "u-1" });
        await Task.Delay(300);
        Assert.False(added.IsCompleted, "the turn was appended while the run held the window");
        gate.Open();

        using var response = await added;
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var turns = (await app.TurnsAsync(window, "u-1")).EnumerateArray()
            .Select(t => (t.GetProperty("role").GetString(), t.GetProperty("text").GetString())).ToList();
        Assert.Equal([("user", "long question"), ("assistant", "partial done"), ("user", "a note typed meanwhile")], turns);
    }

    [Fact]
    public async Task A_turn_added_to_a_window_busy_past_the_lock_wait_is_409_run_in_progress()
    {
        var gate = new Gate();
        using var app = new PortageApp([Providers.Scripted(new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) })],
            new Dictionary<string, string?> { ["Runs:LockWaitSeconds"] = "0.3" });
        using var busy = await SseFrames.StartRunAsync(app.Client, app.RunPath(), Runs.Body("long question", endUser: "u-1", provider: "scripted"));
        var window = await WindowOfAsync(busy);

        using var response = await app.Client.PostAsJsonAsync(new Uri(app.IngestPath(), UriKind.Relative),
            new { text = "too early", source_type = "conversation", data_source_id = window, end_user_id = "u-1" });
        var (status, error, _) = await Runs.ErrorOf(response);

        Assert.Equal((409, "run_in_progress"), (status, error));
        gate.Open();
    }

    private static async Task<string> WindowOfAsync(HttpResponseMessage run)
    {
        await foreach (var frame in SseFrames.ReadAsync(await run.Content.ReadAsStreamAsync()))
        {
            if (frame.Event == "run_started")
            {
                return frame.Json.GetProperty("context_window_id").GetString()!;
            }
        }

        throw new InvalidOperationException("The run sent no run_started frame.");
    }
}
