using Portage.Core.Retrieval;

namespace Portage.Storage.Sqlite;

/// <summary>
/// Turns a search into a safe FTS5 MATCH expression: each search term quoted, OR-ed, and the whole ANDed with the
/// scopes the searcher may see (the sandbox's shared content, and the end user's own memory), so FTS5 reads only
/// those chunks' postings; null when there is no word.
/// </summary>
internal static class FtsQuery
{
    public static string? From(ContentQuery query)
    {
        // Only letters and digits reach the words (SearchTerms), each inside double quotes: no FTS5 syntax can be injected.
        var terms = SearchTerms.From(query.Text);
        if (terms.Count == 0)
        {
            return null;
        }

        var words = string.Join(" OR ", terms.Select(t => "\"" + t + "\""));
        var scopes = query.EndUserId is { } user
            ? $"fts_scope : {Phrase($"zs {query.SandboxId}")} OR fts_scope : {Phrase($"zu {query.SandboxId} {user}")}"
            : $"fts_scope : {Phrase($"zs {query.SandboxId}")}";
        return $"({words}) AND ({scopes})";
    }

    // An FTS5 string: the ids are tokenised as the generated fts_scope column was, so the phrase matches it exactly.
    private static string Phrase(string text) => "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
