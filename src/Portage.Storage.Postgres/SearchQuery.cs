using Portage.Core.Retrieval;

namespace Portage.Storage.Postgres;

/// <summary>
/// Turns free text into the text of a PostgreSQL <c>to_tsquery</c>: the search terms OR-ed (<c>w1 | w2</c>); null
/// when there is no word. Terms are letters and digits only (<see cref="SearchTerms"/>), so no tsquery operator
/// (<c>&amp; | ! ( ) : * &lt;-&gt;</c>) or quote from the user's text ever reaches the parser.
/// </summary>
internal static class SearchQuery
{
    public static string? From(string? text)
    {
        var terms = SearchTerms.From(text);
        return terms.Count == 0 ? null : string.Join(" | ", terms);
    }
}
