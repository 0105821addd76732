using Portage.Core.Retrieval;
using Portage.Storage.Sql;

namespace Portage.Storage.Sqlite;

/// <summary>
/// The embedded store: one class, one database, every seam of the engine. The statements it shares with the
/// PostgreSQL store are in <see cref="SqlStore"/>; here are the two only SQLite has: the FTS5 search and the ingest claim.
/// </summary>
/// <param name="database">The database file.</param>
public sealed partial class SqliteStore(SqliteDatabase database) : SqlStore(database, SqliteDialect.Instance)
{
    // bm25 column weights, in the order of the chunks_fts columns: the text itself counts most; a heading or file
    // name that matches still lifts a chunk, but less, because those few words are shared by every chunk of a section;
    // fts_scope only narrows the search.
    // bm25 is negative, lower is better.
    private static readonly string s_searchSql =
        $"SELECT {ChunkColumns}, bm25(chunks_fts, 1.0, 0.6, 0.3, 0.0) AS score FROM chunks_fts JOIN chunks c ON c.seq = chunks_fts.rowid " +
        "WHERE chunks_fts MATCH @query AND c.sandbox_id = @sandbox AND (@project IS NULL OR c.project_id = @project) " +
        $"AND {VisibleTo} AND NOT {SqliteDialect.Instance.InList("c.id", "@excluded")} " +
        "AND (@window IS NULL OR NOT (c.source_type = 'conversation' AND c.data_source_id = @window)) " +
        "ORDER BY score, c.seq LIMIT @limit";

    /// <inheritdoc/>
    protected override string SearchStatement => s_searchSql;

    /// <inheritdoc/>
    protected override string? ToSearchQuery(ContentQuery query) => FtsQuery.From(query);
}
