using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Core.Windows;

namespace Portage.Core.Sessions;

/// <summary>What a run's conversation is made of, before it is fitted to the budget: kept so that a later stage
/// (compaction) can make it again from different earlier parts.</summary>
/// <param name="Native">The session's native transcript to replay (empty for a new session).</param>
/// <param name="WindowTurns">The window turns rendered after it, oldest first.</param>
/// <param name="AfterSeq">The seq <paramref name="WindowTurns"/> start after (0 for a new session).</param>
/// <param name="Prefetch">The prefetch block that goes with the new messages, or null (also when it did not fit).</param>
/// <param name="UserMessages">The run's new user messages.</param>
/// <param name="SystemPrompt">The system prompt, possibly empty.</param>
/// <param name="Budget">The run's budget, without the prefetch block.</param>
public sealed record ConversationParts(
    IReadOnlyList<ChatMessage> Native, IReadOnlyList<TurnRecord> WindowTurns, long AfterSeq, string? Prefetch,
    IReadOnlyList<string> UserMessages, string SystemPrompt, ContextBudget Budget)
{
    /// <summary>
    /// The session's transcript as it was stored (empty unless the session continues): a conversation whose history
    /// still starts with these very messages adds to the stored transcript instead of replacing it.
    /// </summary>
    public IReadOnlyList<ChatMessage> Stored { get; init; } = [];

    /// <summary>The budget with the prefetch block in it.</summary>
    public ContextBudget Effective => Budget.WithPrefetch(Prefetch);

    /// <summary>Estimated tokens of the new user messages.</summary>
    public int NewestTokens => UserMessages.Sum(TokenEstimator.Estimate);

    /// <summary>What the messages (earlier turns, prefetch and the new messages) may take in all.</summary>
    public int MessageBudgetTokens => Effective.HistoryTokens(NewestTokens) + NewestTokens;
}

/// <summary>What a run sends its provider.</summary>
/// <param name="History">The conversation without the system prompt: what the session's transcript will start with.</param>
/// <param name="Sent">The messages of the first provider call: the system prompt, if any, then <paramref name="History"/>.</param>
/// <param name="Fitted">How the conversation was fitted to the run's budget: what it kept and what it left out.</param>
/// <param name="Parts">What it was made from.</param>
public sealed record Conversation(List<ChatMessage> History, List<ChatMessage> Sent, FittedConversation Fitted, ConversationParts Parts)
{
    /// <summary>
    /// How many of <see cref="History"/>'s first messages are the session's stored transcript, unchanged and whole
    /// (<see cref="ConversationParts.Stored"/>); 0 when the history does not start with all of it (trimmed, compacted,
    /// merged with a new message) or there is none.
    /// </summary>
    public int StoredPrefix
    {
        get
        {
            var stored = Parts.Stored;
            if (stored.Count == 0 || History.Count < stored.Count)
            {
                return 0;
            }

            for (var i = 0; i < stored.Count; i++)
            {
                if (!ReferenceEquals(History[i], stored[i]))
                {
                    return 0;
                }
            }

            return stored.Count;
        }
    }

    /// <summary>Estimated tokens of the messages before fitting (without system prompt, tools and prefetch).</summary>
    public int MessageTokensBefore => Fitted.TokensBefore - Parts.Effective.FixedTokens;
}

/// <summary>
/// Builds a run's messages (rules 4 and 6): a continued session replays its stored native transcript, then catches up
/// on window turns written by other sessions since its last turn; a new session gets the window rendered as neutral
/// text. A provider with server-side sessions gets no transcript replayed (it keeps its own). Every path is fitted to
/// the run's <see cref="ContextBudget"/> by <see cref="ConversationFitter"/>, and the session stores what was sent: the
/// transcript it keeps is trimmed with it, so it stays replayable and small.
/// </summary>
public static class ConversationBuilder
{
    /// <summary>The conversation of a run in <paramref name="session"/>.</summary>
    /// <param name="session">The chosen session.</param>
    /// <param name="provider">The run's provider (whether it keeps sessions itself).</param>
    /// <param name="priorTurns">The window's turns before the run (see <see cref="PriorTurns"/>).</param>
    /// <param name="prefetch">The discover block for a new session's first question, or null.</param>
    /// <param name="userMessages">The run's new user messages.</param>
    /// <param name="systemPrompt">The system prompt, possibly empty.</param>
    /// <param name="budget">The run's budget, without the prefetch block (it is added here when it fits).</param>
    public static Conversation Build(
        SessionChoice session, ProviderDefinition provider, IReadOnlyList<TurnRecord> priorTurns, string? prefetch,
        IReadOnlyList<string> userMessages, string systemPrompt, ContextBudget budget)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(priorTurns);
        ArgumentNullException.ThrowIfNull(budget);

        // A summary written since the session's last turn stands for turns its transcript holds too: the planner then
        // read the window from its start, and the session is caught up from the summary instead of its transcript.
        var continues = session.Continues && priorTurns is not [{ Role: TurnRole.Compaction }, ..];
        var native = !continues || provider.ServerSideSessions ? []
            : session.Kept is { } kept ? [.. kept.Messages]
            : TranscriptJson.Deserialize(session.Session.TranscriptJson, session.Session.AppendedJson);
        var afterSeq = continues ? session.Session.LastWindowSeq : 0;
        var windowTurns = priorTurns.Where(t => t.Seq > afterSeq).ToList();

        // The prefetch only helps: when it would crowd out the question itself, the question goes without it.
        if (prefetch is not null && !budget.WithPrefetch(prefetch).Fits(userMessages.Sum(TokenEstimator.Estimate)))
        {
            prefetch = null;
        }

        return Build(new ConversationParts(native, windowTurns, afterSeq, prefetch, userMessages, systemPrompt, budget) { Stored = native });
    }

    /// <summary>
    /// The conversation a caller sent whole (OpenAI Chat Completions): <paramref name="history"/> stands where a continued
    /// session's transcript would, so it is fitted the same way (over the budget, its oldest exchanges go first, whole).
    /// </summary>
    public static Conversation FromCaller(IReadOnlyList<ChatMessage> history, IReadOnlyList<string> userMessages, string systemPrompt, ContextBudget budget) =>
        Build(new ConversationParts(history, [], 0, null, userMessages, systemPrompt, budget));

    /// <summary>The conversation made of <paramref name="parts"/>, fitted to their budget.</summary>
    public static Conversation Build(ConversationParts parts)
    {
        ArgumentNullException.ThrowIfNull(parts);

        // A run that failed or was cut off before answering leaves two user messages in a row; providers that require
        // alternation (Gemini) refuse that, so the fitter joins adjacent plain-text messages of one role.
        var fitted = ConversationFitter.Fit(parts.Native, parts.WindowTurns, parts.AfterSeq, parts.Prefetch, parts.UserMessages, parts.Effective);
        var history = fitted.Kept.ToList();
        var sent = new List<ChatMessage>(history.Count + 1);
        if (!string.IsNullOrEmpty(parts.SystemPrompt))
        {
            sent.Add(new ChatMessage(ChatRole.System, parts.SystemPrompt));
        }

        sent.AddRange(history);
        return new Conversation(history, sent, fitted, parts);
    }
}
