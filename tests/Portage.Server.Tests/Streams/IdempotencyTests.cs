using Portage.Server.Tests.Rules;
using Portage.Testing;

namespace Portage.Server.Tests.Streams;

/// <summary>Issue 5, scope 4: a retried POST with the same idempotency_key joins the run instead of starting a second.</summary>
public sealed class IdempotencyTests
{
    [Fact]
    public async Task A_retry_while_the_run_is_going_joins_it_and_both_clients_get_the_whole_answer_from_one_model_call()
    {
        var gate = new Gate();
        var model = new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) };
        using var app = new PortageApp([Providers.Scripted(model)]);
        Dictionary<string, object?> Body() => Runs.Body("answer once", provider: "scripted").With("idempotency_key", "turn-7f3a").With("on_disconnect", "continue");

        var (firstResponse, firstReader, firstSeen) = await StreamKit.StartAndReadAsync(app.Client, app.RunPath(), Body(), count: 2);
        var (retryResponse, retryReader, retrySeen) = await StreamKit.StartAndReadAsync(app.Client, app.RunPath(), Body(), count: 2);
        gate.Open();
        var first = firstSeen.Concat(await StreamKit.RestAsync(firstReader)).ToList();
        var retry = retrySeen.Concat(await StreamKit.RestAsync(retryReader)).ToList();
        await firstReader.DisposeAsync();
        await retryReader.DisposeAsync();
        firstResponse.Dispose();
        retryResponse.Dispose();

        Assert.Equal(first, retry);
        Assert.Equal("partial done", retry.Text());
        Assert.Equal("agent_finish", retry[^1].Event);
        Assert.Single(model.Calls);
        var turns = await app.TurnsAsync(first[0].Json.GetProperty("context_window_id").GetString()!);
        Assert.Equal(2, turns.GetArrayLength());
    }

    [Fact]
    public async Task A_retry_after_the_run_finished_replays_it_and_a_new_key_starts_a_new_turn()
    {
        var model = new ScriptedChatClient();
        using var app = new PortageApp([Providers.Scripted(model)]);

        var first = await app.RunAsync(Runs.Body("once", provider: "scripted").With("idempotency_key", "k-1"));
        var again = await app.RunAsync(Runs.Body("once", provider: "scripted").With("idempotency_key", "k-1"));
        var other = await app.RunAsync(Runs.Body("twice", provider: "scripted").With("idempotency_key", "k-2"));

        Assert.Equal(first.Frames, again.Frames);
        Assert.NotEqual(first.Frames[0].Json.GetProperty("run_id").GetString(), other.Frames[0].Json.GetProperty("run_id").GetString());
        Assert.Equal(2, model.Calls.Count);
    }

    [Fact]
    public async Task An_idempotency_key_belongs_to_its_end_user_and_must_be_printable()
    {
        var model = new ScriptedChatClient();
        using var app = new PortageApp([Providers.Scripted(model)]);
        await app.RunAsync(Runs.Body("mine", endUser: "u-1", provider: "scripted").With("idempotency_key", "shared"));
        await app.RunAsync(Runs.Body("mine too", endUser: "u-2", provider: "scripted").With("idempotency_key", "shared"));

        var tooLong = await app.RunErrorAsync(Runs.Body("x").With("idempotency_key", new string('k', 256)));
        var control = await app.RunErrorAsync(Runs.Body("x").With("idempotency_key", "a\u0001b"));

        Assert.Equal(2, model.Calls.Count);
        Assert.Equal((400, "invalid_idempotency_key"), (tooLong.Status, tooLong.Error));
        Assert.Equal((400, "invalid_idempotency_key"), (control.Status, control.Error));
    }
}
