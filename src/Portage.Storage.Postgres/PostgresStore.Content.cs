using Portage.Core.Retrieval;
namespace Portage.Storage.Postgres;

public sealed partial class PostgresStore
{
    // ts_rank_cd weights of the labels {D, C, B, A}: the chunk text (A) counts most; a heading (B) or file name (C) that
    // matches still lifts a chunk, but less, because those few words are shared by every chunk of a section (the
    // column weights of SQLite's bm25).
    private const string Weights = "'{0, 0.3, 0.6, 1.0}'";

    // The same vector as chunks.search with the 'simple' configuration (no stemming, no stop words), computed only for
    // a query made of English stop words alone, which the English index cannot answer ("the", "not", "should").
    private const string SimpleVector =
        "(setweight(to_tsvector('simple', search_text(c.content)), 'A') || setweight(to_tsvector('simple', search_text(c.breadcrumb)), 'B') || " +
        "setweight(to_tsvector('simple', search_text(coalesce(c.file_path, ''))), 'C'))";

    // The exclusions are part of the query, so LIMIT is filled from the next-ranked chunks.
    private const string Candidates =
        $"c.sandbox_id = @sandbox AND (@project::text IS NULL OR c.project_id = @project) AND {VisibleTo} " +
        "AND c.id <> ALL(@excluded) AND (@window::text IS NULL OR NOT (c.source_type = 'conversation' AND c.data_source_id = @window))";

    // ts_rank_cd is positive, higher is better. Both branches are one statement; the condition on the English query
    // alone (no column in it) is evaluated once, so only one branch ever scans.
    internal const string SearchSql =
        $"SELECT {ChunkColumns}, c.seq, ts_rank_cd({Weights}, c.search, to_tsquery('english', @query)) AS score FROM chunks c " +
        $"WHERE c.search @@ to_tsquery('english', @query) AND {Candidates} " +
        "UNION ALL " +
        $"SELECT {ChunkColumns}, c.seq, ts_rank_cd({Weights}, {SimpleVector}, to_tsquery('simple', @query)) AS score FROM chunks c " +
        $"WHERE numnode(to_tsquery('english', @query)) = 0 AND {SimpleVector} @@ to_tsquery('simple', @query) AND {Candidates} " +
        "ORDER BY score DESC, seq LIMIT @limit";

    /// <inheritdoc/>
    protected override string SearchStatement => SearchSql;

    /// <inheritdoc/>
    protected override string? ToSearchQuery(ContentQuery query) => SearchQuery.From(query.Text);
}
