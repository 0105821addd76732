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
        var exchanges = new List<List<TurnRecord>>();
        foreach (var turn in turns)
        {
            if (turn.Role == TurnRole.User || exchanges.Count == 0)
            {
                exchanges.Add([]);
            }

            exchanges[^1].Add(turn);
        }

        var kept = new List<List<TurnRecord>>();
        var used = 0;
        for (var i = exchanges.Count - 1; i >= 0; i--)
        {
            var cost = exchanges[i].Sum(t => t.TokenEstimate);
            if (used + cost > budgetTokens)
            {
                break;
            }

            used += cost;
            kept.Insert(0, exchanges[i]);
        }

        var messages = new List<ChatMessage>();
        foreach (var turn in kept.SelectMany(e => e))
        {
            var text = RenderText(turn);
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            messages.Add(new ChatMessage(turn.Role == TurnRole.User ? ChatRole.User : ChatRole.Assistant, text));
        }

        return MergeAdjacent(messages);
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
