using Portage.Server.Tests.Rules;
using Portage.Testing;

namespace Portage.Server.Tests.Streams;

/// <summary>Issue 5, scope 2 and 3: a run's frames are kept; a client re-joins with Last-Event-ID and the model runs once.</summary>
public sealed class ResumeTests
{
    [Fact]
    public async Task A_dropped_client_resumes_with_Last_Event_ID_and_gets_the_rest_without_the_model_running_twice()
    {
        var gate = new Gate();
        var model = new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) };
        using var app = new PortageApp([Providers.Scripted(model)]);
        var body = Runs.Body("long answer please", provider: "scripted").With("on_disconnect", "continue");

        var (response, reader, seen) = await StreamKit.StartAndReadAsync(app.Client, app.RunPath(), body, count: 2);
        var runId = seen[0].Json.GetProperty("run_id").GetString()!;
        Assert.Equal([$"{runId}:1", $"{runId}:2"], seen.Select(f => f.Id));
        await reader.DisposeAsync();
        response.Dispose();

        // The run goes on without its client: the provider call is not cancelled.
        await Task.Delay(200);
        Assert.False(gate.Cancelled.IsCompleted);
        var resuming = StreamKit.ResumeAsync(app.Client, app.EventsPath(runId), seen[^1].Id);
        gate.Open();
        var rest = await resuming;

        Assert.Equal([$"{runId}:3", $"{runId}:4"], rest.Select(f => f.Id));
        Assert.Equal(["agent_text_delta", "agent_finish"], rest.Select(f => f.Event));
        Assert.Equal("partial done", seen.Concat(rest).Text());
        Assert.Single(model.Calls);
        var turns = await app.TurnsAsync(seen[0].Json.GetProperty("context_window_id").GetString()!);
        Assert.Equal("partial done", turns[1].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_finished_run_replays_every_frame_with_the_same_ids_and_bytes()
    {
        using var app = new PortageApp();
        var original = await app.RunAsync(Runs.Body("repeat after me"));
        var runId = original.Frames[0].Json.GetProperty("run_id").GetString()!;

        var replayed = await StreamKit.ResumeAsync(app.Client, app.EventsPath(runId));
        var fromTwo = await StreamKit.ResumeAsync(app.Client, app.EventsPath(runId), $"{runId}:2");
        var viaQuery = await StreamKit.ResumeAsync(app.Client, app.EventsPath(runId) + $"?last_event_id={runId}:2");

        Assert.Equal(original.Frames, replayed);
        Assert.Equal(original.Frames.Skip(2), fromTwo);
        Assert.Equal(original.Frames.Skip(2), viaQuery);
        Assert.Empty(await StreamKit.ResumeAsync(app.Client, app.EventsPath(runId), original.Frames[^1].Id));
    }

    [Fact]
    public async Task A_run_cancelled_by_its_clients_disconnect_ends_its_log_with_run_cancelled()
    {
        var gate = new Gate();
        using var app = new PortageApp([Providers.Scripted(new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) })]);
        var (response, reader, seen) = await StreamKit.StartAndReadAsync(app.Client, app.RunPath(), Runs.Body("go", provider: "scripted"), count: 2);
        var runId = seen[0].Json.GetProperty("run_id").GetString()!;
        await reader.DisposeAsync();
        response.Dispose();
        await gate.Cancelled.WaitAsync(StreamKit.Patience);

        var rest = await StreamKit.ResumeAsync(app.Client, app.EventsPath(runId), seen[^1].Id);

        var terminal = Assert.Single(rest);
        Assert.Equal(("agent_error", "run_cancelled"), (terminal.Event, terminal.Json.GetProperty("type").GetString()));
        Assert.Equal($"{runId}:3", terminal.Id);
    }

    [Fact]
    public async Task Resuming_needs_a_run_of_the_sandbox_and_a_last_event_id_of_that_run()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("hi"));
        var runId = run.Frames[0].Json.GetProperty("run_id").GetString()!;

        using var missing = await app.Client.GetAsync(app.EventsPath("run_nope"));
        using var otherRun = new HttpRequestMessage(HttpMethod.Get, app.EventsPath(runId));
        otherRun.Headers.TryAddWithoutValidation("Last-Event-ID", "run_other:3");
        using var badRequest = await app.Client.SendAsync(otherRun);
        using var garbage = await app.Client.GetAsync(app.EventsPath(runId) + "?last_event_id=" + runId + ":-1");

        Assert.Equal((404, "run_not_found"), Pick(await Runs.ErrorOf(missing)));
        Assert.Equal((400, "invalid_last_event_id"), Pick(await Runs.ErrorOf(badRequest)));
        Assert.Equal((400, "invalid_last_event_id"), Pick(await Runs.ErrorOf(garbage)));
    }

    [Fact]
    public async Task On_disconnect_accepts_only_cancel_or_continue()
    {
        using var app = new PortageApp();
        var error = await app.RunErrorAsync(Runs.Body("hi").With("on_disconnect", "pause"));
        Assert.Equal((400, "invalid_on_disconnect"), (error.Status, error.Error));
        Assert.True((await app.RunAsync(Runs.Body("hi").With("on_disconnect", "cancel"))).Finished);
    }

    private static (int, string) Pick((int Status, string Error, string Detail) e) => (e.Status, e.Error);
}
