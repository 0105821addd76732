using System.Globalization;

namespace Portage.Core.Retrieval;

/// <summary>
/// The words a full-text index searches for, taken from free text the same way by every store: letters and digits
/// only (so no query syntax survives), lower-cased, each once, common English words left out unless the text has
/// nothing else, at most 64. A store turns them into its own query syntax (FTS5 MATCH, PostgreSQL tsquery).
/// </summary>
public static class SearchTerms
{
    private const int MaxTerms = 64;

    // Words that match almost every chunk: left out unless the query has nothing else, so they never decide the ranking.
    private static readonly HashSet<string> s_stopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for", "from", "how", "i", "if", "in", "into", "is",
        "it", "its", "me", "my", "of", "on", "or", "our", "so", "that", "the", "their", "then", "there", "these", "this", "to", "was",
        "we", "what", "when", "where", "which", "who", "why", "will", "with", "you", "your",
    };

    /// <summary>The search words of <paramref name="text"/>; empty when it has none.</summary>
    public static IReadOnlyList<string> From(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var words = Words(text).Distinct(StringComparer.Ordinal).ToList();
        var terms = words.Where(w => !s_stopWords.Contains(w)).ToList();
        if (terms.Count == 0)
        {
            terms = words;
        }

        return [.. terms.Take(MaxTerms)];
    }

    private static IEnumerable<string> Words(string text)
    {
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && IsWordChar(text[i]);
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                yield return text[start..i].ToLowerInvariant();
                start = -1;
            }
        }
    }

    private static bool IsWordChar(char c) => char.GetUnicodeCategory(c) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
            or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
            or UnicodeCategory.NonSpacingMark => true,
        _ => false,
    };
}
