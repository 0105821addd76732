using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Core.Recording;
using Portage.Core.Sessions;
using Portage.Core.Windows;

namespace Portage.Core.Tests.Sessions;

/// <summary>
/// Which runs may append to their session's stored transcript (<see cref="Conversation.StoredPrefix"/>): only those
/// whose history starts with the whole stored transcript, unchanged.
/// </summary>
public sealed class ConversationBuilderTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    private static readonly ProviderDefinition s_provider = new()
    {
        Name = "echo",
        Client = new EchoChatClient("echo", TimeSpan.Zero, TimeProvider.System),
        DefaultModel = "echo-1",
    };

    private static readonly string s_transcript = TranscriptJson.Serialize(
    [
        new(ChatRole.User, "first question"),
        new(ChatRole.Assistant, "first answer"),
        new(ChatRole.User, "second question"),
        new(ChatRole.Assistant, "second answer"),
    ]);

    [Fact]
    public void A_continued_session_replayed_whole_starts_its_history_with_every_stored_message()
    {
        var conversation = ConversationBuilder.Build(Continued(), s_provider, [], null, ["third question"], "", Budget(history: 100_000));

        Assert.Equal(4, conversation.StoredPrefix);
        Assert.Equal(["third question"], conversation.History.Skip(conversation.StoredPrefix).Select(m => m.Text));
    }

    [Fact]
    public void A_history_trimmed_to_the_budget_has_no_stored_prefix()
    {
        var conversation = ConversationBuilder.Build(Continued(), s_provider, [], null, ["third question"], "", Budget(history: 12));

        Assert.True(conversation.Fitted.Dropped);
        Assert.Equal(0, conversation.StoredPrefix);
    }

    [Fact]
    public void A_new_session_has_no_stored_prefix()
    {
        var conversation = ConversationBuilder.Build(new SessionChoice(Session("[]"), Continues: false), s_provider, [], null, ["hello"], "", Budget(history: 100_000));

        Assert.Equal(0, conversation.StoredPrefix);
    }

    [Fact]
    public void A_summary_written_since_the_sessions_last_turn_leaves_no_stored_prefix()
    {
        var summary = new TurnRecord("ds_1", 5, TurnRole.Compaction, "Summary", "echo", "echo-1", "run_5", RunStatus.Succeeded, s_t0, 10,
            [new TurnPart(TurnPartType.Compaction, Text: "what was said", Compacts: new CompactedRange(1, 4, 0, 0))]);

        var conversation = ConversationBuilder.Build(Continued(), s_provider, [summary], null, ["third question"], "", Budget(history: 100_000));

        Assert.Equal(0, conversation.StoredPrefix);
    }

    [Fact]
    public void A_conversation_remade_around_a_summary_has_no_stored_prefix_though_it_keeps_stored_messages()
    {
        var built = ConversationBuilder.Build(Continued(), s_provider, [], null, ["third question"], "", Budget(history: 100_000));

        // As compaction remakes it: the summary, then the newest stored exchange (the same message objects).
        var remade = ConversationBuilder.Build(built.Parts with { Native = [new ChatMessage(ChatRole.User, "summary"), .. built.Parts.Native.Skip(2)] });

        Assert.Equal(0, remade.StoredPrefix);
    }

    private static SessionChoice Continued() => new(Session(s_transcript), Continues: true);

    private static SessionRecord Session(string transcript) =>
        new("sess_1", "sb_1", "u-1", "ds_1", "echo", "echo-1", null, transcript, 4, s_t0, s_t0);

    private static ContextBudget Budget(int history) => new()
    {
        Provider = "echo",
        Model = "echo-1",
        Limit = new ModelLimit { ContextTokens = 1_000_000, MaxOutputTokens = 1_000 },
        HistoryCapTokens = history,
    };
}
