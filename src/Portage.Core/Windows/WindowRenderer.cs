using System.Text;
using Microsoft.Extensions.AI;

namespace Portage.Core.Windows;

/// <summary>
/// Rule 6: turns of a window become a fresh provider session's messages, as neutral text. Tool calls and their results
/// are written into the assistant's text together (never an orphan result, no provider ids or signatures crossing);
/// over the budget, the oldest exchanges (a user turn and the answers to it) go first, whole.
/// </summary>
public static class WindowRenderer
{
    /// <summary>Longest tool result kept in rendered text; the rest is elided.</summary>
    public const int ToolResultLimit = 2000;

    /// <summary>Renders turns (oldest first) into messages that fit <paramref name="budgetTokens"/>.</summary>
    public static List<ChatMessage> Render(IEnumerable<TurnRecord> turns, int budgetTokens)
    {
        var exchanges = Exchanges(turns);
        var first = FirstKept(exchanges.Select(e => e.Sum(t => t.TokenEstimate)).ToList(), budgetTokens);
        return Render(exchanges.Skip(first).SelectMany(e => e));
    }

    /// <summary>Renders every one of <paramref name="turns"/> (oldest first): the budget was applied by the caller.</summary>
    public static List<ChatMessage> Render(IEnumerable<TurnRecord> turns)
    {
        var messages = new List<ChatMessage>();
        foreach (var turn in turns)
        {
            var text = turn.Role == TurnRole.Compaction ? CompactionTurns.Message(turn) : RenderText(turn);
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            // A summary is read by the model as what the user handed it, so it opens an exchange like a user turn.
            messages.Add(new ChatMessage(turn.Role is TurnRole.User or TurnRole.Compaction ? ChatRole.User : ChatRole.Assistant, text));
        }

        return MergeAdjacent(messages);
    }

    /// <summary>
    /// Turns (oldest first) grouped into exchanges: a user turn (or a compaction summary) and the answers to it. Only
    /// the first may open with another role (the turns before the first user turn).
    /// </summary>
    public static List<List<TurnRecord>> Exchanges(IEnumerable<TurnRecord> turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        var exchanges = new List<List<TurnRecord>>();
        foreach (var turn in turns)
        {
            if (turn.Role is TurnRole.User or TurnRole.Compaction || exchanges.Count == 0)
            {
                exchanges.Add([]);
            }

            exchanges[^1].Add(turn);
        }

        return exchanges;
    }

    /// <summary>
    /// The index of the oldest unit kept when units (oldest first) of these costs are kept from the newest back while
    /// they fit <paramref name="budgetTokens"/>: a recent tail, never a gap (an older unit that would fit alone still
    /// goes once a newer one did not fit). <paramref name="costs"/>.Count when none fits.
    /// </summary>
    public static int FirstKept(IReadOnlyList<int> costs, long budgetTokens)
    {
        ArgumentNullException.ThrowIfNull(costs);
        var first = costs.Count;
        long used = 0;
        while (first > 0 && used + costs[first - 1] <= budgetTokens)
        {
            used += costs[--first];
        }

        return first;
    }

    /// <summary>
    /// Joins consecutive messages of the same role into one (text only), for providers that require user and
    /// assistant to alternate. Messages with non-text content are left as they are.
    /// </summary>
    public static List<ChatMessage> MergeAdjacent(IEnumerable<ChatMessage> messages)
    {
        var merged = new List<ChatMessage>();
        foreach (var message in messages)
        {
            if (merged.Count > 0 && merged[^1].Role == message.Role && IsPlainText(merged[^1]) && IsPlainText(message))
            {
                merged[^1] = new ChatMessage(message.Role, merged[^1].Text + "\n\n" + message.Text);
            }
            else
            {
                merged.Add(message);
            }
        }

        return merged;
    }

    private static bool IsPlainText(ChatMessage message) => message.Contents.All(c => c is TextContent);

    private static string RenderText(TurnRecord turn)
    {
        var text = new StringBuilder();
        var results = turn.Parts.Where(p => p.Type == TurnPartType.ToolResult && p.CallId is not null)
            .GroupBy(p => p.CallId!)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var part in turn.Parts)
        {
            switch (part.Type)
            {
                case TurnPartType.Text:
                    text.Append(part.Text);
                    break;
                case TurnPartType.ToolCall:
                    Separate(text);
                    text.Append("[tool call ").Append(part.Name).Append(' ').Append(part.ArgumentsJson ?? "{}");
                    if (part.CallId is not null && results.TryGetValue(part.CallId, out var result))
                    {
                        text.Append(" → ").Append(result.Error is null ? Cut(result.ResultJson ?? "{}") : "error: " + result.Error);
                    }
                    else
                    {
                        text.Append(" → no result");
                    }

                    text.Append(']');
                    Separate(text);
                    break;
                default:
                    // Results are written with their call; a result without a call in this turn is dropped (never an orphan).
                    break;
            }
        }

        return text.ToString().Trim();
    }

    private static void Separate(StringBuilder text)
    {
        if (text.Length > 0 && text[^1] != '\n')
        {
            text.Append('\n');
        }
    }

    private static string Cut(string json) => json.Length <= ToolResultLimit ? json : string.Concat(json.AsSpan(0, ToolResultLimit), "…");
}
