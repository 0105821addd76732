using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Core.Windows;

namespace Portage.Core.Sessions;

/// <summary>What a run sends its provider.</summary>
/// <param name="History">The conversation without the system prompt: what the session's transcript will start with.</param>
/// <param name="Sent">The messages of the first provider call: the system prompt, if any, then <paramref name="History"/>.</param>
/// <param name="Fitted">How the conversation was fitted to the run's budget: what it kept and what it left out.</param>
public sealed record Conversation(List<ChatMessage> History, List<ChatMessage> Sent, FittedConversation Fitted);

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
        var native = session.Continues && !provider.ServerSideSessions ? TranscriptJson.Deserialize(session.Session.TranscriptJson) : [];
        var afterSeq = session.Continues ? session.Session.LastWindowSeq : 0;
        var windowTurns = priorTurns.Where(t => t.Seq > afterSeq).ToList();

        // The prefetch only helps: when it would crowd out the question itself, the question goes without it.
        var withPrefetch = budget.WithPrefetch(prefetch);
        if (prefetch is not null && !withPrefetch.Fits(userMessages.Sum(TokenEstimator.Estimate)))
        {
            prefetch = null;
            withPrefetch = budget;
        }

        // A run that failed or was cut off before answering leaves two user messages in a row; providers that require
        // alternation (Gemini) refuse that, so the fitter joins adjacent plain-text messages of one role.
        var fitted = ConversationFitter.Fit(native, windowTurns, afterSeq, prefetch, userMessages, withPrefetch);
        var history = fitted.Kept.ToList();
        var sent = new List<ChatMessage>(history.Count + 1);
        if (!string.IsNullOrEmpty(systemPrompt))
        {
            sent.Add(new ChatMessage(ChatRole.System, systemPrompt));
        }

        sent.AddRange(history);
        return new Conversation(history, sent, fitted);
    }
}
