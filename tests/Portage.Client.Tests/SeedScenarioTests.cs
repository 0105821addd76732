using System.Net;
using System.Text;
using Portage.Protocol.Runs;
using Portage.Testing;

namespace Portage.Client.Tests;

/// <summary>
/// The seed page (agent-router-sessions.txt) in C#: its "Full example", "Swapping providers mid-session" and
/// "Cleaning up", run with the SDK against the real router in process, on the offline <c>echo</c>/<c>mirror</c>
/// models (which state how many prior turns they received and quote their previous answer).
/// </summary>
public sealed class SeedScenarioTests
{
    private const string System = "You are a helpful agent.";
    private const string EndUser = "u-123";

    [Fact]
    public async Task Full_example_threads_the_session_id_and_each_turn_knows_the_previous_answer()
    {
        using var app = new PortageApp();
        using var http = app.CreateClient();
        using var router = Router(app, http);

        // let sessionId; async function turn(message) { ... sessionId = finish.session_id }
        string? sessionId = null;
        async Task<Turn> TurnAsync(string message)
        {
            var turn = await RunAsync(router, new RunOptions
            {
                Provider = "echo",
                System = System,
                Message = message,
                EndUserId = EndUser,
                SessionId = sessionId,
            });
            sessionId = turn.Finish.SessionId;
            return turn;
        }

        var first = await TurnAsync("What are my open GitHub issues?");
        var second = await TurnAsync("Which ones are blocked?");
        var third = await TurnAsync("Draft a comment on the top one.");

        Assert.NotNull(first.Finish.SessionId);
        Assert.StartsWith("sess_", first.Finish.SessionId, StringComparison.Ordinal);
        Assert.Equal(first.Finish.SessionId, second.Finish.SessionId);
        Assert.Equal(first.Finish.SessionId, third.Finish.SessionId);
        Assert.Equal(first.WindowId, second.WindowId);
        Assert.Equal(first.WindowId, third.WindowId);
        Assert.All(new[] { first, second, third }, t => Assert.Equal("end_turn", t.Finish.StopReason));

        Assert.Contains("received 0 prior turns", first.Text, StringComparison.Ordinal);
        Assert.Contains("This is the start of our conversation.", first.Text, StringComparison.Ordinal);

        // Turn 2 "knows about the prior answer": it got turn 1's two turns and quotes turn 1's answer whole.
        Assert.Contains("received 2 prior turns", second.Text, StringComparison.Ordinal);
        Assert.Contains("You said: \"Which ones are blocked?\"", second.Text, StringComparison.Ordinal);
        Assert.True(first.Text.Length <= 200, "turn 1's answer fits in echo's quote");
        Assert.Contains($"My previous answer was: \"{first.Text}\"", second.Text, StringComparison.Ordinal);

        // Turn 3 "knows about the top one": four prior turns, and its quote of turn 2 carries "Which ones are blocked?".
        Assert.Contains("received 4 prior turns", third.Text, StringComparison.Ordinal);
        Assert.Contains("You said: \"Draft a comment on the top one.\"", third.Text, StringComparison.Ordinal);
        var quote = Between(third.Text, "My previous answer was: \"", "\".");
        Assert.True(second.Text.Length > 200, "turn 2's answer is longer than echo's quote");
        Assert.Equal(second.Text[..200] + "…", quote);
        Assert.Contains("Which ones are blocked?", quote, StringComparison.Ordinal);

        var turns = await router.Client.DataSources.GetTurnsAsync(app.SandboxId, first.WindowId);
        Assert.Equal(6, turns.Count);
        Assert.Equal(["user", "assistant", "user", "assistant", "user", "assistant"], turns.Turns.Select(t => t.Role));
        Assert.All(turns.Turns, t => Assert.Equal("succeeded", t.Status));
    }

    [Fact]
    public async Task Swapping_providers_mid_session_keeps_the_window_and_its_memory()
    {
        using var app = new PortageApp();
        using var http = app.CreateClient();
        using var router = Router(app, http);

        // Turn 1 on one provider.
        var first = await RunAsync(router, new RunOptions
        {
            Provider = "echo", System = System, Message = "Summarize my issues", EndUserId = EndUser,
        });
        var sessionId = first.Finish.SessionId;

        // Turn 2 on another. Same window, same user; sessionId omitted.
        var second = await RunAsync(router, new RunOptions
        {
            Provider = "mirror", System = System, Message = "Which are blocked?", EndUserId = EndUser,
        });

        Assert.Equal(first.WindowId, second.WindowId);
        Assert.Equal(first.WindowId, second.Finish.ContextWindowId);
        Assert.Equal(("mirror", "mirror-1"), (second.Finish.Provider, second.Finish.Model));
        Assert.NotNull(second.Finish.SessionId);
        Assert.NotEqual(sessionId, second.Finish.SessionId);

        // "The agent will still have the full memory of what's been said because the Context Window lives in the sandbox."
        Assert.StartsWith("Mirror (model mirror-1) received 2 prior turns", second.Text, StringComparison.Ordinal);
        Assert.Contains("You said: \"Which are blocked?\"", second.Text, StringComparison.Ordinal);
        Assert.Contains($"My previous answer was: \"{first.Text}\"", second.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cleaning_up_archives_the_window_and_a_run_naming_its_session_gets_409_window_archived()
    {
        using var app = new PortageApp();
        using var http = app.CreateClient();
        using var router = Router(app, http);
        var first = await RunAsync(router, new RunOptions
        {
            Provider = "echo", System = System, Message = "What are my open GitHub issues?", EndUserId = EndUser,
        });

        // await router.client.dataSources.archive(sandboxId, contextWindowSourceId);
        var archived = await router.Client.DataSources.ArchiveAsync(app.SandboxId, first.WindowId);
        Assert.True(archived.Success);

        var refused = await Assert.ThrowsAsync<AgentRouterException>(() => RunAsync(router, new RunOptions
        {
            Provider = "echo", System = System, Message = "Which ones are blocked?", EndUserId = EndUser,
            SessionId = first.Finish.SessionId,
        }));
        Assert.Equal((HttpStatusCode.Conflict, "window_archived"), (refused.StatusCode, refused.ErrorType));
        Assert.Equal("agents.run", refused.Operation);
        Assert.False(string.IsNullOrWhiteSpace(refused.Detail));

        // Archived windows keep their turns, and the refused run wrote nothing to them.
        var turns = await router.Client.DataSources.GetTurnsAsync(app.SandboxId, first.WindowId);
        Assert.Equal(2, turns.Count);

        // Without a session id, the end user's next run starts a fresh window (rule 3(d) never picks an archived one).
        var fresh = await RunAsync(router, new RunOptions
        {
            Provider = "echo", System = System, Message = "Hello again", EndUserId = EndUser,
        });
        Assert.NotEqual(first.WindowId, fresh.WindowId);
        Assert.Contains("received 0 prior turns", fresh.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_the_token_mid_stream_stops_the_enumeration_and_the_server_records_the_turn_cancelled()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Echo:DelayMilliseconds"] = "200" });
        using var http = app.CreateClient();
        using var router = Router(app, http);
        using var cts = new CancellationTokenSource();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        RunStarted? started = null;
        var received = new StringBuilder();
        var events = new List<AgentEvent>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in router.RunAsync(
                new RunOptions { Provider = "echo", System = System, Message = "Take your time.", EndUserId = EndUser },
                cancellationToken: cts.Token).WithCancellation(guard.Token))
            {
                events.Add(e);
                switch (e)
                {
                    case RunStarted s:
                        started = s;
                        break;
                    case AgentTextDelta delta:
                        received.Append(delta.Text);
                        await cts.CancelAsync();
                        break;
                    default:
                        break;
                }
            }
        });

        Assert.False(guard.IsCancellationRequested, "the run was not cancelled by its token");
        Assert.NotNull(started);
        Assert.DoesNotContain(events, e => e is AgentFinish or AgentError);
        Assert.Single(events.OfType<AgentTextDelta>());

        // Rule 7 / 11: the assistant turn is recorded as cancelled, with the partial text the client saw (at least).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        Protocol.Sources.WindowTurnList turns;
        while ((turns = await router.Client.DataSources.GetTurnsAsync(app.SandboxId, started.ContextWindowId)).Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the cancelled run's assistant turn was not recorded within 10 s");
            await Task.Delay(50);
        }

        Assert.Equal(2, turns.Count);
        var assistant = turns.Turns[1];
        Assert.Equal(("assistant", "cancelled", started.RunId), (assistant.Role, assistant.Status, assistant.RunId));
        Assert.StartsWith(received.ToString(), assistant.Text, StringComparison.Ordinal);

        // The window is free again: the next turn runs, sees the cancelled exchange, and finishes.
        var next = await RunAsync(router, new RunOptions { Provider = "echo", System = System, Message = "Still there?", EndUserId = EndUser });
        Assert.Equal(started.ContextWindowId, next.WindowId);
        Assert.Contains("received 2 prior turns", next.Text, StringComparison.Ordinal);
    }

    private static AgentRouter Router(PortageApp app, HttpClient http) => new(new AgentRouterOptions
    {
        ApiKey = app.Credentials.ApiKey,
        SandboxId = app.SandboxId,
        // ApiUrl left null: the router takes the injected client's BaseAddress (the in-process server).
        HttpClient = http,
    });

    private static async Task<Turn> RunAsync(AgentRouter router, RunOptions options)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        RunStarted? started = null;
        AgentFinish? finish = null;
        var text = new StringBuilder();
        await foreach (var e in router.RunAsync(options, cancellationToken: guard.Token))
        {
            switch (e)
            {
                case RunStarted s:
                    Assert.Null(started);
                    started = s;
                    break;
                case AgentTextDelta delta:
                    text.Append(delta.Text);
                    break;
                case AgentFinish f:
                    finish = f;
                    break;
                case AgentError error:
                    Assert.Fail($"the run failed: {error.Type}: {error.Message}");
                    break;
                default:
                    break;
            }
        }

        Assert.NotNull(started);
        Assert.NotNull(finish);
        Assert.Equal(started.SessionId, finish.SessionId);
        Assert.Equal(started.ContextWindowId, finish.ContextWindowId);
        Assert.Equal(started.RunId, finish.RunId);
        return new Turn(started.ContextWindowId, text.ToString(), finish);
    }

    private static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"'{start}' not in: {text}");
        from += start.Length;
        var to = text.LastIndexOf(end, StringComparison.Ordinal);
        Assert.True(to >= from, $"'{end}' not after '{start}' in: {text}");
        return text[from..to];
    }

    private sealed record Turn(string WindowId, string Text, AgentFinish Finish);
}
