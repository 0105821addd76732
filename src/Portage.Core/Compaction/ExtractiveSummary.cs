using System.Text;
using Portage.Core.Providers;
using Portage.Core.Windows;

namespace Portage.Core.Compaction;

/// <summary>
/// The summary offline models write: the opening of each user message and of its answer, and the tools used, one
/// exchange a line. Deterministic, so tests and the echo model compact the same way every time.
/// </summary>
public static class ExtractiveSummary
{
    private const int Opening = 160;
    private const string Header = "Summary of the earlier conversation (extractive):";

    /// <summary>Lines for <paramref name="turns"/> after those of <paramref name="previous"/>, oldest dropped first beyond <paramref name="maxTokens"/>.</summary>
    public static string Write(string? previous, IEnumerable<TurnRecord> turns, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(turns);
        var lines = new List<string>();
        if (!string.IsNullOrWhiteSpace(previous))
        {
            // Its exchange lines carry over; its "left out" note does not (what it counted is gone either way).
            lines.AddRange(previous.Split('\n').Where(l => (l.StartsWith("- ", StringComparison.Ordinal) && !l.StartsWith("- (", StringComparison.Ordinal))
                || l.StartsWith("  ", StringComparison.Ordinal)));
        }

        foreach (var turn in turns)
        {
            switch (turn.Role)
            {
                case TurnRole.User:
                    lines.Add("- User: " + OpeningOf(turn.Text));
                    break;
                case TurnRole.Assistant:
                    var tools = turn.Parts.Where(p => p.Type == TurnPartType.ToolCall && p.Name is not null).Select(p => p.Name!).Distinct().ToList();
                    var text = OpeningOf(turn.Text);
                    lines.Add("  Answer: " + (text.Length > 0 ? text : "(no text)") + (tools.Count > 0 ? $" [tools: {string.Join(", ", tools)}]" : ""));
                    break;
                default:
                    // A compaction turn inside the range was already folded into `previous`.
                    break;
            }
        }

        return Fit(lines, maxTokens);
    }

    // Drops the oldest exchanges (a "- " line and its indented answers) until the summary fits.
    private static string Fit(List<string> lines, int maxTokens)
    {
        var dropped = 0;
        while (lines.Count > 0 && TokenEstimator.Estimate(Join(lines, dropped)) > maxTokens)
        {
            lines.RemoveAt(0);
            while (lines.Count > 0 && lines[0].StartsWith("  ", StringComparison.Ordinal))
            {
                lines.RemoveAt(0);
            }

            dropped++;
        }

        return Join(lines, dropped);
    }

    private static string Join(List<string> lines, int dropped)
    {
        var text = new StringBuilder(Header).Append('\n');
        if (dropped > 0)
        {
            text.Append("- (").Append(dropped).Append(dropped == 1 ? " older exchange" : " older exchanges").Append(" left out)\n");
        }

        return text.AppendJoin('\n', lines).ToString().TrimEnd();
    }

    private static string OpeningOf(string text)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= Opening ? flat : flat[..Opening].TrimEnd() + "…";
    }
}
