using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Core.Recording;
using Portage.Core.Sessions;
using Portage.Core.Windows;

namespace Portage.Core.Tests.Sessions;

public sealed class ConversationFitterTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);

    // Exchange 1 asks a tool (call and result), exchange 2 is plain text.
    private static readonly List<ChatMessage> s_native =
    [
        new(ChatRole.User, "first question, long enough to matter"),
        new(ChatRole.Assistant, [new TextContent("Let me look."), new FunctionCallContent("call_1", "lookup", new Dictionary<string, object?> { ["q"] = "x" })]),
        new(ChatRole.Tool, [new FunctionResultContent("call_1", JsonDocument.Parse("""{"found":3}""").RootElement)]),
        new(ChatRole.Assistant, "Found 3."),
        new(ChatRole.User, "second question"),
        new(ChatRole.Assistant, "second answer"),
    ];

    [Fact]
    public void Everything_is_kept_when_it_fits_and_nothing_is_reported_dropped()
    {
        var fitted = ConversationFitter.Fit(s_native, [], 0, null, ["third"], Budget(history: 10_000));

        Assert.False(fitted.Dropped);
        Assert.Equal([.. s_native.Select(m => m.Text), "third"], fitted.Kept.Select(m => m.Text));
        Assert.Equal(fitted.TokensBefore, fitted.TokensAfter);
    }

    [Fact]
    public void The_oldest_native_exchange_goes_first_with_its_tool_call_and_result_together()
    {
        var secondExchange = TokenEstimator.Estimate(s_native[4..]);
        var fitted = ConversationFitter.Fit(s_native, [], 0, null, ["third"], Budget(history: secondExchange + 1));

        Assert.Equal(["second question", "second answer", "third"], fitted.Kept.Select(m => m.Text));
        Assert.Equal(s_native[..4], fitted.DroppedNative);
        Assert.Null(fitted.DroppedWindowSeqRange);
        Assert.Equal(fitted.TokensBefore - TokenEstimator.Estimate(s_native[..4]), fitted.TokensAfter);
    }

    [Fact]
    public void A_budget_that_would_fit_only_the_tail_of_a_tool_exchange_keeps_none_of_it()
    {
        // Room for the tool result, the answer and exchange 2, but not the call: the whole exchange goes.
        var fitted = ConversationFitter.Fit(s_native, [], 0, null, ["third"], Budget(history: TokenEstimator.Estimate(s_native[2..])));

        Assert.Equal(ChatRole.User, fitted.Kept[0].Role);
        Assert.DoesNotContain(fitted.Kept, m => m.Role == ChatRole.Tool || m.Contents.OfType<FunctionCallContent>().Any());
        Assert.Equal(4, fitted.DroppedNative.Count);
    }

    [Fact]
    public void The_new_messages_are_always_kept_even_when_nothing_else_fits()
    {
        var fitted = ConversationFitter.Fit(s_native, [User(7, "gap", 1)], 6, "prefetched context", ["one", "two"], Budget(history: 0));

        Assert.Equal(["prefetched context\n\none\n\ntwo"], fitted.Kept.Select(m => m.Text));
        Assert.Equal(s_native, fitted.DroppedNative);
        Assert.Equal(new SeqRange(7, 7), fitted.DroppedWindowSeqRange);
    }

    [Fact]
    public void Window_turns_after_the_native_transcript_go_only_after_all_of_it_and_their_seq_range_is_reported()
    {
        TurnRecord[] gap = [User(11, "elsewhere 1", 10), Assistant(12, "answer 1", 10), User(13, "elsewhere 2", 10), Assistant(14, "answer 2", 10)];

        var fitted = ConversationFitter.Fit(s_native, gap, 10, null, ["now"], Budget(history: 25));

        Assert.Equal(["elsewhere 2", "answer 2", "now"], fitted.Kept.Select(m => m.Text));
        Assert.Equal(6, fitted.DroppedNative.Count);
        Assert.Equal(new SeqRange(11, 12), fitted.DroppedWindowSeqRange);
    }

    [Fact]
    public void A_new_sessions_window_drops_from_its_first_seq_and_reports_the_range()
    {
        TurnRecord[] window = [User(1, "a", 10), Assistant(2, "b", 10), User(3, "c", 10), Assistant(4, "d", 10), User(5, "e", 10), Assistant(6, "f", 10)];

        var fitted = ConversationFitter.Fit([], window, 0, null, ["g"], Budget(history: 45));

        Assert.Equal(["c", "d", "e", "f", "g"], fitted.Kept.Select(m => m.Text));
        Assert.Empty(fitted.DroppedNative);
        Assert.Equal(new SeqRange(1, 2), fitted.DroppedWindowSeqRange);
        Assert.Equal(fitted.TokensBefore - 20, fitted.TokensAfter);
    }

    [Fact]
    public void What_is_kept_opens_with_a_user_message_once_something_before_it_went()
    {
        // The catch-up starts with an answer (its question was dropped with the transcript): it goes too.
        TurnRecord[] gap = [Assistant(11, "orphan answer", 5), User(12, "question", 5), Assistant(13, "answer", 5)];

        var fitted = ConversationFitter.Fit(s_native, gap, 10, null, ["now"], Budget(history: 15));

        Assert.Equal(["question", "answer", "now"], fitted.Kept.Select(m => m.Text));
        Assert.Equal(new SeqRange(11, 11), fitted.DroppedWindowSeqRange);
    }

    [Fact]
    public void Tokens_before_and_after_count_the_system_prompt_tools_and_prefetch_too()
    {
        var budget = Budget(history: 10_000) with { SystemTokens = 7, ToolTokens = 11, PrefetchTokens = TokenEstimator.Estimate("pre") };

        var fitted = ConversationFitter.Fit([], [User(1, "a", 10)], 0, "pre", ["b"], budget);

        Assert.Equal(7 + 11 + 1 + 10 + 1, fitted.TokensAfter);
    }

    private static ContextBudget Budget(int history) => new()
    {
        Provider = "echo",
        Model = "echo-1",
        Limit = new ModelLimit { ContextTokens = 1_000_000, MaxOutputTokens = 1_000 },
        HistoryCapTokens = history,
    };

    private static TurnRecord User(long seq, string text, int tokens) =>
        new("ds_1", seq, TurnRole.User, "User", "echo", "echo-1", $"run_{seq}", RunStatus.Succeeded, s_t0.AddMinutes(seq), tokens, [TurnPart.OfText(text)]);

    private static TurnRecord Assistant(long seq, string text, int tokens) =>
        new("ds_1", seq, TurnRole.Assistant, "echo/echo-1", "echo", "echo-1", $"run_{seq}", RunStatus.Succeeded, s_t0.AddMinutes(seq), tokens, [TurnPart.OfText(text)]);
}
