using Microsoft.Extensions.AI;
using Portage.Testing;

namespace Portage.Server.Tests.Rules;

/// <summary>
/// Rule 4: a session of the same provider continues with its stored native transcript (no re-rendering) plus the new
/// message; turns written elsewhere in the window since are caught up; without session_id the latest session of the
/// same provider and model is reused.
/// </summary>
public sealed class Rule04SessionContinuationTests
{
    [Fact]
    public async Task Continuing_a_session_replays_its_native_transcript_exactly_with_reasoning_signatures()
    {
        var provider = new ScriptedChatClient();
        provider.Script = (messages, _, ct) => messages.Count(m => m.Role == ChatRole.User) == 1 ? WithReasoning(ct) : ScriptedChatClient.Text(ct, "second answer");
        using var app = new PortageApp([Providers.Scripted(provider)]);

        var first = await app.RunAsync(Runs.Body("one", provider: "scripted"));
        await app.RunAsync(Runs.Body("two", provider: "scripted", session: first.SessionId));

        var sent = provider.LastMessages;
        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.User], sent.Select(m => m.Role));
        Assert.Equal("one", sent[1].Text);
        var reasoning = Assert.Single(sent[2].Contents.OfType<TextReasoningContent>());
        Assert.Equal("thinking…", reasoning.Text);
        Assert.Equal("sig-123", reasoning.ProtectedData);
        Assert.Equal("first answer", sent[2].Text);
        Assert.Equal("two", sent[3].Text);
    }

    [Fact]
    public async Task A_session_continued_over_several_turns_replays_every_earlier_exchange_in_order()
    {
        // Each continuing run stores only what it added after the transcript it replayed; the next run reads them all.
        var provider = new ScriptedChatClient();
        var answers = 0;
        provider.Script = (_, _, ct) => ScriptedChatClient.Text(ct, $"answer {Interlocked.Increment(ref answers)}");
        using var app = new PortageApp([Providers.Scripted(provider)]);

        var first = await app.RunAsync(Runs.Body("one", provider: "scripted"));
        foreach (var text in new[] { "two", "three", "four" })
        {
            var next = await app.RunAsync(Runs.Body(text, provider: "scripted", session: first.SessionId));
            Assert.Equal(first.SessionId, next.SessionId);
        }

        var texts = provider.LastMessages.Where(m => m.Role != ChatRole.System).Select(m => m.Text).ToList();
        Assert.Equal(["one", "answer 1", "two", "answer 2", "three", "answer 3", "four"], texts);
    }

    [Fact]
    public async Task Omitted_session_id_reuses_the_windows_latest_session_of_the_same_provider_and_model()
    {
        var provider = new ScriptedChatClient();
        using var app = new PortageApp([Providers.Scripted(provider)]);
        var first = await app.RunAsync(Runs.Body("one", provider: "scripted"));
        var second = await app.RunAsync(Runs.Body("two", provider: "scripted"));
        var otherModel = await app.RunAsync(Runs.Body("three", provider: "scripted", model: "other-model"));

        Assert.Equal(first.SessionId, second.SessionId);
        Assert.NotEqual(first.SessionId, otherModel.SessionId);
        Assert.Equal(first.WindowId, otherModel.WindowId);
    }

    [Fact]
    public async Task Turns_added_by_another_provider_are_caught_up_before_the_new_message()
    {
        var provider = new ScriptedChatClient();
        using var app = new PortageApp([Providers.Scripted(provider)]);
        var first = await app.RunAsync(Runs.Body("one", provider: "scripted"));
        var echo = await app.RunAsync(Runs.Body("two"));
        await app.RunAsync(Runs.Body("three", provider: "scripted", session: first.SessionId));

        var texts = provider.LastMessages.Where(m => m.Role != ChatRole.System).Select(m => m.Text).ToList();
        Assert.Equal(["one", "ok", "two", echo.Text, "three"], texts);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> WithReasoning([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await Task.Yield();
        yield return new ChatResponseUpdate { Role = ChatRole.Assistant, Contents = [new TextReasoningContent("thinking…") { ProtectedData = "sig-123" }] };
        await foreach (var update in ScriptedChatClient.Text(ct, "first ", "answer"))
        {
            yield return update;
        }
    }
}
