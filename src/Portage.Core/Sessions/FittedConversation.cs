using Microsoft.Extensions.AI;

namespace Portage.Core.Sessions;

/// <summary>A range of window turn seqs, both ends included.</summary>
/// <param name="From">The first seq of the range.</param>
/// <param name="To">The last seq of the range.</param>
public readonly record struct SeqRange(long From, long To);

/// <summary>
/// What <see cref="ConversationFitter"/> made of a run's conversation: the messages it keeps and, apart, what it
/// left out to stay within the <see cref="ContextBudget"/>, so that a later stage can summarise the dropped part
/// instead of losing it.
/// </summary>
/// <param name="Kept">The conversation to send, without the system prompt, oldest first: the newest part of the native
/// transcript, the rendered window turns, the prefetch block and the new user messages (always all of them).</param>
/// <param name="DroppedNative">The oldest messages of the session's native transcript that were left out, oldest first,
/// in whole exchanges (a user message and everything up to the next one: tool calls never apart from their results).</param>
/// <param name="DroppedWindowSeqRange">The window turns left out, or null when none was: every turn after the seq the
/// conversation started from (the session's last seen turn, 0 for a new session) up to <see cref="SeqRange.To"/>.
/// Turns older than the ones read for the run are in it too.</param>
/// <param name="TokensBefore">The estimated input of the first provider call with nothing left out: system prompt,
/// tool definitions, prefetch and every message.</param>
/// <param name="TokensAfter">The same for what is sent.</param>
public sealed record FittedConversation(
    IReadOnlyList<ChatMessage> Kept,
    IReadOnlyList<ChatMessage> DroppedNative,
    SeqRange? DroppedWindowSeqRange,
    int TokensBefore,
    int TokensAfter)
{
    /// <summary>True when anything was left out.</summary>
    public bool Dropped => DroppedNative.Count > 0 || DroppedWindowSeqRange is not null;
}
