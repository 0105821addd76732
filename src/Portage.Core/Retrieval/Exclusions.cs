using System.Text.RegularExpressions;

namespace Portage.Core.Retrieval;

/// <summary>
/// What the agent already has, as canonical ids: ids it was shown (they appear in the history or the window's delivery
/// ledger) and chunks whose text is already in the history. The set is an input of the query, not a post-filter
/// (copass-compat §6.3), so the next layer of the ranking comes back.
/// </summary>
public static partial class Exclusions
{
    /// <summary>Ledger entries of discover menus are kept apart from delivered content: a label is not the content.</summary>
    public const string MenuPrefix = "menu:";

    private const int ContainedPrefixLength = 120;

    /// <summary>Canonical ids written anywhere in the history text (tool results the agent received carry them).</summary>
    public static HashSet<string> IdsIn(string historyText) =>
        CanonicalId().Matches(historyText).Select(m => m.Value.TrimEnd('.', ':', ';')).ToHashSet(StringComparer.Ordinal);

    /// <summary>Whether the opening of the chunk's text already appears in the history.</summary>
    public static bool Contains(string normalizedHistory, ChunkRecord chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var text = Normalize(chunk.Content);
        var probe = text.Length <= ContainedPrefixLength ? text : text[..ContainedPrefixLength];
        return probe.Length >= 20 && normalizedHistory.Contains(probe, StringComparison.Ordinal);
    }

    /// <summary>Lower case, single spaces: containment survives re-wrapping and markdown spacing.</summary>
    public static string Normalize(string text) => Whitespace().Replace(text.ToLowerInvariant(), " ").Trim();

    [GeneratedRegex(@"\b(?:chunk|section|file):[^\s'""\],)}>]+")]
    private static partial Regex CanonicalId();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
