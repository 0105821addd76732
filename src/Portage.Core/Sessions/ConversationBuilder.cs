using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Core.Windows;

namespace Portage.Core.Sessions;

/// <summary>What a run sends its provider.</summary>
/// <param name="History">The conversation without the system prompt: what the session's transcript will start with.</param>
/// <param name="Sent">The messages of the first provider call: the system prompt, if any, then <paramref name="History"/>.</param>
public sealed record Conversation(List<ChatMessage> History, List<ChatMessage> Sent);

/// <summary>
/// Builds a run's messages (rules 4 and 6): a continued session replays its stored native transcript, then catches up
/// on window turns written by other sessions since its last turn; a new session gets the window rendered as neutral
/// text. A provider with server-side sessions gets no transcript replayed (it keeps its own).
/// </summary>
public static class ConversationBuilder
{
    /// <summary>The conversation of a run in <paramref name="session"/>.</summary>
    /// <param name="session">The chosen session.</param>
    /// <param name="provider">The run's provider (its budget, whether it keeps sessions itself).</param>
    /// <param name="priorTurns">The window's turns before the run (see <see cref="PriorTurns"/>).</param>
    /// <param name="prefetch">The discover block for a new session's first question, or null.</param>
    /// <param name="userMessages">The run's new user messages.</param>
    /// <param name="systemPrompt">The system prompt, possibly empty.</param>
    public static Conversation Build(
        SessionChoice session, ProviderDefinition provider, IReadOnlyList<TurnRecord> priorTurns, string? prefetch,
        IReadOnlyList<string> userMessages, string systemPrompt)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(provider);
        var history = new List<ChatMessage>();
        if (session.Continues)
        {
            if (!provider.ServerSideSessions)
            {
                history.AddRange(TranscriptJson.Deserialize(session.Session.TranscriptJson));
            }

            var gap = priorTurns.Where(t => t.Seq > session.Session.LastWindowSeq);
            history.AddRange(WindowRenderer.Render(gap, provider.ContextBudgetTokens));
        }
        else
        {
            history.AddRange(WindowRenderer.Render(priorTurns, provider.ContextBudgetTokens));
        }

        if (prefetch is not null)
        {
            history.Add(new ChatMessage(ChatRole.User, prefetch));
        }

        history.AddRange(userMessages.Select(text => new ChatMessage(ChatRole.User, text)));

        // A run that failed or was cut off before answering leaves two user messages in a row; providers that require
        // alternation (Gemini) refuse that, so adjacent plain-text messages of one role are joined.
        history = WindowRenderer.MergeAdjacent(history);
        var sent = new List<ChatMessage>(history.Count + 1);
        if (!string.IsNullOrEmpty(systemPrompt))
        {
            sent.Add(new ChatMessage(ChatRole.System, systemPrompt));
        }

        sent.AddRange(history);
        return new Conversation(history, sent);
    }
}
