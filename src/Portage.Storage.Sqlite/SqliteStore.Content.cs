using Portage.Core.Retrieval;

namespace Portage.Storage.Sqlite;

public sealed partial class SqliteStore
{
    // bm25 column weights, in the order of the chunks_fts columns: the text itself counts most; a heading or file
    // name that matches still lifts a chunk, but less, because those few words are shared by every chunk of a section.
    private const string Bm25 = "bm25(chunks_fts, 1.0, 0.6, 0.3)";

    /// <inheritdoc/>
    public override async Task<IReadOnlyList<ChunkHit>> SearchAsync(ContentQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var match = FtsQuery.From(query.Text);
        if (match is null || query.Limit <= 0)
        {
            return [];
        }

        await using var db = await ReadAsync(cancellationToken);
        // The exclusions are part of the query, so LIMIT is filled from the next-ranked chunks.
        var rows = await db.QueryAsync(
            $"SELECT {ChunkColumns}, {Bm25} AS score FROM chunks_fts JOIN chunks c ON c.seq = chunks_fts.rowid " +
            "WHERE chunks_fts MATCH @match AND c.sandbox_id = @sandbox AND (@project IS NULL OR c.project_id = @project) " +
            $"AND {VisibleTo} AND NOT {Dialect.InList("c.id", "@excluded")} " +
            "AND (@window IS NULL OR NOT (c.source_type = 'conversation' AND c.data_source_id = @window)) " +
            "ORDER BY score, c.seq LIMIT @limit",
            r => (Chunk: ReadChunk(r), Rank: r.GetDouble(14)), cancellationToken,
            ("@match", match), ("@sandbox", query.SandboxId), ("@project", query.ProjectId), ("@user", query.EndUserId),
            ("@excluded", Dialect.StringList(query.Excluded)), ("@limit", query.Limit), ("@window", query.ExcludedConversation));
        if (rows.Count == 0)
        {
            return [];
        }

        // bm25 is negative, lower is better: the best hit scores 1 and the rest in proportion to it.
        var best = rows[0].Rank;
        return [.. rows.Select(row => new ChunkHit(row.Chunk, best < 0 ? Math.Clamp(row.Rank / best, 0, 1) : 1.0))];
    }
}
