using System.Globalization;

namespace Portage.Storage.Sqlite;

/// <summary>Turns free text into a safe FTS5 MATCH expression: each word quoted, OR-ed; null when there is no word.</summary>
internal static class FtsQuery
{
    private const int MaxTerms = 64;

    // Words that match almost every chunk: left out unless the query has nothing else, so they never decide the ranking.
    private static readonly HashSet<string> s_stopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for", "from", "how", "i", "if", "in", "into", "is",
        "it", "its", "me", "my", "of", "on", "or", "our", "so", "that", "the", "their", "then", "there", "these", "this", "to", "was",
        "we", "what", "when", "where", "which", "who", "why", "will", "with", "you", "your",
    };

    public static string? From(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var words = Words(text).Distinct(StringComparer.Ordinal).ToList();
        var terms = words.Where(w => !s_stopWords.Contains(w)).ToList();
        if (terms.Count == 0)
        {
            terms = words;
        }

        // Only letters and digits reach the expression, each inside double quotes: no FTS5 syntax can be injected.
        return terms.Count == 0 ? null : string.Join(" OR ", terms.Take(MaxTerms).Select(t => "\"" + t + "\""));
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
