using Portage.Core.Retrieval;

namespace Portage.Storage.Sqlite;

/// <summary>Turns free text into a safe FTS5 MATCH expression: each search term quoted, OR-ed; null when there is no word.</summary>
internal static class FtsQuery
{
    public static string? From(string? text)
    {
        // Only letters and digits reach the expression (SearchTerms), each inside double quotes: no FTS5 syntax can be injected.
        var terms = SearchTerms.From(text);
        return terms.Count == 0 ? null : string.Join(" OR ", terms.Select(t => "\"" + t + "\""));
    }
}
