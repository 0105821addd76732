using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Core.Windows;

namespace Portage.Core.Sessions;

/// <summary>
/// Fits a run's conversation to its <see cref="ContextBudget"/> on every path (rules 4 and 6): the replayed native
/// transcript, then the window turns to render (a continued session's catch-up, or a new session's whole window),
/// then the prefetch block and the new user messages. The new messages always go; earlier exchanges are kept from the
/// newest back while they fit, and the oldest go first, whole: a native exchange runs from a user message to the next
/// one, so a tool call never loses its result, and what is kept opens with a user message once anything before it went.
/// </summary>
public static class ConversationFitter
{
    /// <summary>Fits the conversation; what was left out is reported, not lost.</summary>
    /// <param name="native">The session's stored native transcript (empty for a new session).</param>
    /// <param name="windowTurns">The window turns to render after it, oldest first.</param>
    /// <param name="afterSeq">The seq the window turns start after (the session's last seen turn; 0 for a new session).</param>
    /// <param name="prefetch">The prefetch block, or null; it must already be part of <paramref name="budget"/>.</param>
    /// <param name="userMessages">The run's new user messages.</param>
    /// <param name="budget">The run's budget.</param>
    public static FittedConversation Fit(
        IReadOnlyList<ChatMessage> native, IReadOnlyList<TurnRecord> windowTurns, long afterSeq, string? prefetch,
        IReadOnlyList<string> userMessages, ContextBudget budget)
    {
        ArgumentNullException.ThrowIfNull(native);
        ArgumentNullException.ThrowIfNull(windowTurns);
        ArgumentNullException.ThrowIfNull(userMessages);
        ArgumentNullException.ThrowIfNull(budget);
        var nativeExchanges = NativeExchanges(native);
        var windowExchanges = WindowRenderer.Exchanges(windowTurns);
        var costs = nativeExchanges.Select(TokenEstimator.Estimate)
            .Concat(windowExchanges.Select(e => e.Sum(t => t.TokenEstimate)))
            .ToList();
        var newest = userMessages.Select(text => new ChatMessage(ChatRole.User, text)).ToList();
        var newestTokens = TokenEstimator.Estimate(newest);

        var first = WindowRenderer.FirstKept(costs, budget.HistoryTokens(newestTokens));
        while (first > 0 && first < costs.Count && !OpensWithUser(first, nativeExchanges, windowExchanges))
        {
            first++;
        }

        var keptNative = nativeExchanges.Skip(first).SelectMany(e => e);
        var firstWindow = Math.Max(0, first - nativeExchanges.Count);
        var kept = new List<ChatMessage>(keptNative);
        kept.AddRange(WindowRenderer.Render(windowExchanges.Skip(firstWindow).SelectMany(e => e)));
        if (prefetch is not null)
        {
            kept.Add(new ChatMessage(ChatRole.User, prefetch));
        }

        kept.AddRange(newest);
        var droppedNative = nativeExchanges.Take(first).SelectMany(e => e).ToList();
        SeqRange? droppedWindow = firstWindow == 0 ? null : new SeqRange(afterSeq + 1, windowExchanges[firstWindow - 1][^1].Seq);
        var fixedAndNew = budget.FixedTokens + newestTokens;
        return new FittedConversation(WindowRenderer.MergeAdjacent(kept), droppedNative, droppedWindow,
            fixedAndNew + costs.Sum(), fixedAndNew + costs.Skip(first).Sum());
    }

    /// <summary>
    /// A native transcript in exchanges: each opens at a user message that is not a tool result (tool results have
    /// the tool role, and are never first), so a call and its result always fall in one exchange.
    /// </summary>
    public static List<List<ChatMessage>> NativeExchanges(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var exchanges = new List<List<ChatMessage>>();
        foreach (var message in messages)
        {
            if (exchanges.Count == 0 || (message.Role == ChatRole.User && !message.Contents.Any(c => c is FunctionResultContent)))
            {
                exchanges.Add([]);
            }

            exchanges[^1].Add(message);
        }

        return exchanges;
    }

    private static bool OpensWithUser(int unit, List<List<ChatMessage>> native, List<List<TurnRecord>> window) =>
        unit < native.Count ? native[unit][0].Role == ChatRole.User : window[unit - native.Count][0].Role is TurnRole.User or TurnRole.Compaction;
}
