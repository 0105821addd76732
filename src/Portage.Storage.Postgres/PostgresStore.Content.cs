using Npgsql;
using Portage.Core.Retrieval;
using Portage.Core.Storage;

namespace Portage.Storage.Postgres;

public sealed partial class PostgresStore : IContentIndex
{
    private const string ChunkColumns =
        "c.id, c.sandbox_id, c.data_source_id, c.project_id, c.end_user_id, c.canonical_path, c.breadcrumb, c.file_path, c.source_type, " +
        "c.content, c.content_hash, c.token_estimate, c.job_id, c.created_at";

    // ts_rank_cd weights of the labels {D, C, B, A}: the chunk text (A) counts most; a heading (B) or file name (C) that
    // matches still lifts a chunk, but less, because those few words are shared by every chunk of a section (the
    // column weights of SQLite's bm25).
    private const string Weights = "'{0, 0.3, 0.6, 1.0}'";

    // The same vector as chunks.search with the 'simple' configuration (no stemming, no stop words), computed only for
    // a query made of English stop words alone, which the English index cannot answer ("the", "not", "should").
    private const string SimpleVector =
        "(setweight(to_tsvector('simple', search_text(c.content)), 'A') || setweight(to_tsvector('simple', search_text(c.breadcrumb)), 'B') || " +
        "setweight(to_tsvector('simple', search_text(coalesce(c.file_path, ''))), 'C'))";

    // Rule 2: content without an end user is the sandbox's; conversation memory only reaches its own end user, and a
    // query without an end user (@user NULL) sees none (NULL = NULL is not true). The exclusions are part of the query,
    // so LIMIT is filled from the next-ranked chunks.
    private const string Candidates =
        "c.sandbox_id = @sandbox AND (@project::text IS NULL OR c.project_id = @project) AND (c.end_user_id IS NULL OR c.end_user_id = @user) " +
        "AND c.id <> ALL(@excluded) AND (@window::text IS NULL OR NOT (c.source_type = 'conversation' AND c.data_source_id = @window))";

    // Both branches are one statement; the condition on the English query alone (no column in it) is evaluated once,
    // so only one branch ever scans.
    internal const string SearchSql =
        $"SELECT {ChunkColumns}, c.seq, ts_rank_cd({Weights}, c.search, to_tsquery('english', @query)) AS score FROM chunks c " +
        $"WHERE c.search @@ to_tsquery('english', @query) AND {Candidates} " +
        "UNION ALL " +
        $"SELECT {ChunkColumns}, c.seq, ts_rank_cd({Weights}, {SimpleVector}, to_tsquery('simple', @query)) AS score FROM chunks c " +
        $"WHERE numnode(to_tsquery('english', @query)) = 0 AND {SimpleVector} @@ to_tsquery('simple', @query) AND {Candidates} " +
        "ORDER BY score DESC, seq LIMIT @limit";

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ChunkHit>> SearchAsync(ContentQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var tsquery = SearchQuery.From(query.Text);
        if (tsquery is null || query.Limit <= 0)
        {
            return [];
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection, SearchSql, r => (Chunk: ReadChunk(r), Rank: (double)r.GetFloat(15)), cancellationToken,
            ("@query", tsquery), ("@sandbox", query.SandboxId), ("@project", query.ProjectId), ("@user", query.EndUserId),
            ("@excluded", query.Excluded.ToArray()), ("@window", query.ExcludedConversation), ("@limit", query.Limit));
        if (rows.Count == 0)
        {
            return [];
        }

        // ts_rank_cd is positive, higher is better: the best hit scores 1 and the rest in proportion to it.
        var best = rows[0].Rank;
        return [.. rows.Select(row => new ChunkHit(row.Chunk, best > 0 ? Math.Clamp(row.Rank / best, 0, 1) : 1.0))];
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ChunkRecord>> GetChunksAsync(string sandboxId, IReadOnlyCollection<string> canonicalIds, string? endUserId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(canonicalIds);
        if (canonicalIds.Count == 0)
        {
            return [];
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.QueryAsync(connection,
            $"SELECT {ChunkColumns} FROM chunks c WHERE c.sandbox_id = @sandbox AND (c.end_user_id IS NULL OR c.end_user_id = @user) " +
            "AND (c.id = ANY(@ids) OR c.canonical_path && @ids) ORDER BY c.seq",
            ReadChunk, cancellationToken, ("@sandbox", sandboxId), ("@user", endUserId), ("@ids", canonicalIds.ToArray()));
    }

    /// <inheritdoc/>
    public async Task RecordDeliveriesAsync(string sandboxId, string windowId, string runId, IReadOnlyCollection<string> canonicalIds, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(canonicalIds);
        if (canonicalIds.Count == 0)
        {
            return;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await Sql.ExecuteAsync(connection,
            "INSERT INTO deliveries (sandbox_id, window_id, canonical_id, run_id, delivered_at) " +
            "SELECT @sandbox, @window, id, @run, @at FROM unnest(@ids) AS id ON CONFLICT DO NOTHING",
            cancellationToken, ("@sandbox", sandboxId), ("@window", windowId), ("@run", runId), ("@at", Sql.Time(at)), ("@ids", canonicalIds.ToArray()));
    }

    /// <inheritdoc/>
    public async Task<(long Chunks, long Deliveries, long JobsCancelled)> PurgeSourceAsync(string sandboxId, string dataSourceId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The jobs first: a job completing meanwhile (CompleteAsync holds its row) is waited for, and its chunks, committed
        // by then, are seen by the delete below; a job not yet completing is cancelled and adds nothing later.
        var jobs = await Sql.ExecuteAsync(connection,
            "UPDATE ingest_jobs SET status = 'cancelled', lease_expires_at = NULL, error_message = 'The data source was purged.' " +
            "WHERE sandbox_id = @sandbox AND data_source_id = @source AND status IN ('queued', 'processing')",
            cancellationToken, ("@sandbox", sandboxId), ("@source", dataSourceId));
        var chunks = await Sql.ExecuteAsync(connection, "DELETE FROM chunks WHERE sandbox_id = @sandbox AND data_source_id = @source",
            cancellationToken, ("@sandbox", sandboxId), ("@source", dataSourceId));
        var deliveries = await Sql.ExecuteAsync(connection, "DELETE FROM deliveries WHERE sandbox_id = @sandbox AND window_id = @source",
            cancellationToken, ("@sandbox", sandboxId), ("@source", dataSourceId));
        await transaction.CommitAsync(cancellationToken);
        return (chunks, deliveries, jobs);
    }

    /// <inheritdoc/>
    public async Task<bool> HasContentAsync(string sandboxId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection, "SELECT 1 FROM chunks WHERE sandbox_id = @sandbox AND end_user_id IS NULL LIMIT 1",
            r => 1, cancellationToken, ("@sandbox", sandboxId));
        return rows.Count > 0;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlySet<string>> GetDeliveredAsync(string sandboxId, string windowId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var ids = await Sql.QueryAsync(connection, "SELECT canonical_id FROM deliveries WHERE window_id = @window AND sandbox_id = @sandbox",
            r => r.GetString(0), cancellationToken, ("@window", windowId), ("@sandbox", sandboxId));
        return ids.ToHashSet(StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DeliveryRecord>> ListDeliveriesAsync(
        string sandboxId, string windowId, ListCursor? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.QueryAsync(connection,
            "SELECT canonical_id, run_id, delivered_at FROM deliveries WHERE window_id = @window AND sandbox_id = @sandbox " +
            "AND (@at::timestamptz IS NULL OR delivered_at > @at OR (delivered_at = @at AND canonical_id > @id::text)) " +
            "ORDER BY delivered_at, canonical_id LIMIT @limit",
            r => new DeliveryRecord(r.GetString(0), Sql.ReadStringOrNull(r, 1), Sql.ReadTime(r, 2)), cancellationToken,
            ("@window", windowId), ("@sandbox", sandboxId), ("@at", Sql.TimeOrNull(after?.At)), ("@id", after?.Id), ("@limit", limit));
    }

    private static ChunkRecord ReadChunk(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), Sql.ReadStringOrNull(r, 2), Sql.ReadStringOrNull(r, 3), Sql.ReadStringOrNull(r, 4),
        r.GetFieldValue<string[]>(5), r.GetString(6), Sql.ReadStringOrNull(r, 7), r.GetString(8),
        r.GetString(9), r.GetString(10), r.GetInt32(11), r.GetString(12), Sql.ReadTime(r, 13));
}
