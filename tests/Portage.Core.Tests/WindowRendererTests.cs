using Microsoft.Extensions.AI;
using Portage.Core.Recording;
using Portage.Core.Windows;

namespace Portage.Core.Tests;

public sealed class WindowRendererTests
{
    private const int Plenty = 100_000;
    private static readonly DateTimeOffset s_t0 = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void User_and_assistant_turns_alternate_as_user_and_assistant_messages()
    {
        var messages = WindowRenderer.Render([User(1, "hi"), Assistant(2, "hello"), User(3, "how are you?"), Assistant(4, "fine")], Plenty);

        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.User, ChatRole.Assistant], messages.Select(m => m.Role));
        Assert.Equal(["hi", "hello", "how are you?", "fine"], messages.Select(m => m.Text));
    }

    [Fact]
    public void Consecutive_turns_of_the_same_role_are_merged_into_one_message()
    {
        var messages = WindowRenderer.Render([User(1, "one"), User(2, "two"), Assistant(3, "three"), Assistant(4, "four"), User(5, "five")], Plenty);

        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.User], messages.Select(m => m.Role));
        Assert.Equal(["one\n\ntwo", "three\n\nfour", "five"], messages.Select(m => m.Text));
    }

    [Fact]
    public void Window_that_starts_with_an_answer_renders_it_first()
    {
        // A session catching up on a gap can start after another provider's user turn.
        var messages = WindowRenderer.Render([Assistant(4, "answered elsewhere"), User(5, "next")], Plenty);

        Assert.Equal([ChatRole.Assistant, ChatRole.User], messages.Select(m => m.Role));
    }

    [Fact]
    public void Tool_call_and_its_result_are_rendered_together_as_text()
    {
        var answer = Assistant(2, 10, RunStatus.Succeeded,
            TurnPart.OfText("Let me look. "),
            Call("call_1", "search", """{"q":"x"}"""),
            Result("call_1", "search", """{"hits":1}"""),
            TurnPart.OfText("Found it."));

        var messages = WindowRenderer.Render([User(1, "find x"), answer], Plenty);

        var rendered = messages[1];
        Assert.Equal(ChatRole.Assistant, rendered.Role);
        Assert.Equal("Let me look. \n[tool call search {\"q\":\"x\"} → {\"hits\":1}]\nFound it.", rendered.Text);
        Assert.All(messages.SelectMany(m => m.Contents), c => Assert.IsType<TextContent>(c));
    }

    [Fact]
    public void Failed_tool_call_is_rendered_with_its_error()
    {
        var answer = Assistant(2, 10, RunStatus.Succeeded,
            Call("call_1", "fetch", "{}"),
            Result("call_1", "fetch", "{}", error: "timed out"),
            TurnPart.OfText("It failed."));

        var messages = WindowRenderer.Render([User(1, "fetch"), answer], Plenty);

        Assert.Equal("[tool call fetch {} → error: timed out]\nIt failed.", messages[1].Text);
    }

    [Fact]
    public void Tool_call_without_a_result_says_so()
    {
        var answer = Assistant(2, 10, RunStatus.Cancelled, TurnPart.OfText("Checking."), Call("call_1", "search", """{"q":"y"}"""));

        var messages = WindowRenderer.Render([User(1, "find y"), answer], Plenty);

        Assert.Equal("Checking.\n[tool call search {\"q\":\"y\"} → no result]", messages[1].Text);
    }

    [Fact]
    public void Orphan_tool_result_is_dropped()
    {
        var withText = Assistant(2, 10, RunStatus.Succeeded, Result("call_9", "search", """{"secret":1}"""), TurnPart.OfText("ok"));
        var onlyOrphan = Assistant(4, 10, RunStatus.Succeeded, Result("call_8", "search", """{"secret":2}"""));

        var messages = WindowRenderer.Render([User(1, "a"), withText, User(3, "b"), onlyOrphan, User(5, "c")], Plenty);

        Assert.Equal(["a", "ok", "b\n\nc"], messages.Select(m => m.Text));
        Assert.DoesNotContain(messages, m => m.Text.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public void Long_tool_result_is_cut()
    {
        var big = "{\"data\":\"" + new string('x', 5000) + "\"}";
        var answer = Assistant(2, 10, RunStatus.Succeeded, Call("call_1", "dump", "{}"), Result("call_1", "dump", big));

        var text = WindowRenderer.Render([User(1, "dump"), answer], Plenty)[1].Text;

        Assert.Contains(big[..WindowRenderer.ToolResultLimit] + "…]", text, StringComparison.Ordinal);
        Assert.DoesNotContain(big, text, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_failed_assistant_turn_is_skipped()
    {
        var failed = Assistant(2, 0, RunStatus.Failed);

        var messages = WindowRenderer.Render([User(1, "first try"), failed, User(3, "second try"), Assistant(4, "answer")], Plenty);

        Assert.Equal([ChatRole.User, ChatRole.Assistant], messages.Select(m => m.Role));
        Assert.Equal(["first try\n\nsecond try", "answer"], messages.Select(m => m.Text));
    }

    [Fact]
    public void Over_budget_the_oldest_exchanges_are_dropped_whole_and_the_newest_kept()
    {
        TurnRecord[] turns =
        [
            User(1, "old question", 10), Assistant(2, "old answer", 10),
            User(3, "middle question", 10), Assistant(4, "middle answer", 10),
            User(5, "new question", 10), Assistant(6, "new answer", 10),
        ];

        // 55 leaves room for the old question alone (10 of 15), but never half an exchange.
        var messages = WindowRenderer.Render(turns, 55);

        Assert.Equal(["middle question", "middle answer", "new question", "new answer"], messages.Select(m => m.Text));
    }

    [Fact]
    public void Exchange_with_tool_turns_is_dropped_or_kept_as_a_whole()
    {
        TurnRecord[] turns =
        [
            User(1, "old", 5),
            Assistant(2, 20, RunStatus.Succeeded, Call("call_1", "search", "{}"), Result("call_1", "search", """{"n":1}""")),
            Assistant(3, "old answer", 5),
            User(4, "new", 5),
            Assistant(5, 20, RunStatus.Succeeded, Call("call_2", "search", "{}"), Result("call_2", "search", """{"n":2}""")),
            Assistant(6, "new answer", 5),
        ];

        Assert.Equal(["new", "[tool call search {} → {\"n\":2}]\n\nnew answer"], WindowRenderer.Render(turns, 59).Select(m => m.Text));
        Assert.Equal(4, WindowRenderer.Render(turns, 60).Count);
    }

    [Fact]
    public void Exchanges_older_than_one_that_does_not_fit_are_dropped_too()
    {
        TurnRecord[] turns =
        [
            User(1, "small old", 1), Assistant(2, "small old answer", 1),
            User(3, "huge", 1000), Assistant(4, "huge answer", 1),
            User(5, "small new", 1), Assistant(6, "small new answer", 1),
        ];

        var messages = WindowRenderer.Render(turns, 100);

        Assert.Equal(["small new", "small new answer"], messages.Select(m => m.Text));
    }

    [Fact]
    public void Empty_window_renders_no_messages()
    {
        Assert.Empty(WindowRenderer.Render([], Plenty));
    }

    [Fact]
    public void Merging_leaves_messages_with_non_text_content_alone()
    {
        var call = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call_1", "search")]);

        var merged = WindowRenderer.MergeAdjacent([new ChatMessage(ChatRole.Assistant, "a"), call, new ChatMessage(ChatRole.Assistant, "b"), new ChatMessage(ChatRole.Assistant, "c")]);

        Assert.Equal(3, merged.Count);
        Assert.Same(call, merged[1]);
        Assert.Equal("b\n\nc", merged[2].Text);
    }

    private static TurnRecord User(long seq, string text, int tokens = 10) =>
        new("ds_1", seq, TurnRole.User, "User", "echo", "echo-1", $"run_{seq}", RunStatus.Succeeded, s_t0.AddMinutes(seq), tokens, [TurnPart.OfText(text)]);

    private static TurnRecord Assistant(long seq, string text, int tokens = 10) => Assistant(seq, tokens, RunStatus.Succeeded, TurnPart.OfText(text));

    private static TurnRecord Assistant(long seq, int tokens, string status, params TurnPart[] parts) =>
        new("ds_1", seq, TurnRole.Assistant, "echo/echo-1", "echo", "echo-1", $"run_{seq}", status, s_t0.AddMinutes(seq), tokens, parts);

    private static TurnPart Call(string callId, string name, string argumentsJson) =>
        new(TurnPartType.ToolCall, CallId: callId, Name: name, ArgumentsJson: argumentsJson);

    private static TurnPart Result(string callId, string name, string resultJson, string? error = null) =>
        new(TurnPartType.ToolResult, CallId: callId, Name: name, ResultJson: resultJson, Error: error);
}
