using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portage.Core.Retrieval;
using Portage.Core.Storage;

namespace Portage.Storage.Sqlite;

public sealed partial class SqliteStore : IContentIndex
{
    // bm25 column weights, in the order of the chunks_fts columns: the text itself counts most; a heading or file
    // name that matches still lifts a chunk, but less, because those few words are shared by every chunk of a section.
    private const string Bm25 = "bm25(chunks_fts, 1.0, 0.6, 0.3)";

    private const string ChunkColumns =
        "c.id, c.sandbox_id, c.data_source_id, c.project_id, c.end_user_id, c.canonical_path, c.breadcrumb, c.file_path, c.source_type, " +
        "c.content, c.content_hash, c.token_estimate, c.job_id, c.created_at";

    // Rule 2: content without an end user is the sandbox's; conversation memory only reaches its own end user, and a
    // query without an end user ($user NULL) sees none (NULL = NULL is not true).
    private const string VisibleTo = "(c.end_user_id IS NULL OR c.end_user_id = $user)";

    private static readonly JsonSerializerOptions s_json = new();

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ChunkHit>> SearchAsync(ContentQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var match = FtsQuery.From(query.Text);
        if (match is null || query.Limit <= 0)
        {
            return [];
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        // The exclusions are part of the query, so LIMIT is filled from the next-ranked chunks.
        var rows = await Sql.QueryAsync(connection,
            $"SELECT {ChunkColumns}, {Bm25} AS score FROM chunks_fts JOIN chunks c ON c.seq = chunks_fts.rowid " +
            "WHERE chunks_fts MATCH $match AND c.sandbox_id = $sandbox AND ($project IS NULL OR c.project_id = $project) " +
            $"AND {VisibleTo} AND c.id NOT IN (SELECT value FROM json_each($excluded)) " +
            "AND ($window IS NULL OR NOT (c.source_type = 'conversation' AND c.data_source_id = $window)) " +
            "ORDER BY score, c.seq LIMIT $limit",
            r => (Chunk: ReadChunk(r), Rank: r.GetDouble(14)), cancellationToken, null,
            ("$match", match), ("$sandbox", query.SandboxId), ("$project", query.ProjectId), ("$user", query.EndUserId),
            ("$excluded", JsonSerializer.Serialize(query.Excluded, s_json)), ("$limit", query.Limit), ("$window", query.ExcludedConversation));
        if (rows.Count == 0)
        {
            return [];
        }

        // bm25 is negative, lower is better: the best hit scores 1 and the rest in proportion to it.
        var best = rows[0].Rank;
        return [.. rows.Select(row => new ChunkHit(row.Chunk, best < 0 ? Math.Clamp(row.Rank / best, 0, 1) : 1.0))];
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
            $"SELECT {ChunkColumns} FROM chunks c WHERE c.sandbox_id = $sandbox AND {VisibleTo} AND (" +
            "c.id IN (SELECT value FROM json_each($ids)) OR " +
            "EXISTS (SELECT 1 FROM json_each(c.canonical_path) p WHERE p.value IN (SELECT value FROM json_each($ids)))) " +
            "ORDER BY c.seq",
            ReadChunk, cancellationToken, null,
            ("$sandbox", sandboxId), ("$user", endUserId), ("$ids", JsonSerializer.Serialize(canonicalIds, s_json)));
    }

    /// <inheritdoc/>
    public async Task RecordDeliveriesAsync(string sandboxId, string windowId, string runId, IReadOnlyCollection<string> canonicalIds, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(canonicalIds);
        if (canonicalIds.Count == 0)
        {
            return;
        }

        await using var connection = await database.OpenWriterAsync(cancellationToken);
        await Sql.ExecuteAsync(connection,
            "INSERT OR IGNORE INTO deliveries (sandbox_id, window_id, canonical_id, run_id, delivered_at) " +
            "SELECT $sandbox, $window, value, $run, $at FROM json_each($ids)",
            cancellationToken, null,
            ("$sandbox", sandboxId), ("$window", windowId), ("$run", runId), ("$at", Sql.Time(at)), ("$ids", JsonSerializer.Serialize(canonicalIds, s_json)));
    }

    /// <inheritdoc/>
    public async Task<(long Chunks, long Deliveries, long JobsCancelled)> PurgeSourceAsync(string sandboxId, string dataSourceId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenWriterAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var chunks = await Sql.ExecuteAsync(connection, "DELETE FROM chunks WHERE sandbox_id = $sandbox AND data_source_id = $source",
            cancellationToken, transaction, ("$sandbox", sandboxId), ("$source", dataSourceId));
        var deliveries = await Sql.ExecuteAsync(connection, "DELETE FROM deliveries WHERE sandbox_id = $sandbox AND window_id = $source",
            cancellationToken, transaction, ("$sandbox", sandboxId), ("$source", dataSourceId));
        var jobs = await Sql.ExecuteAsync(connection,
            "UPDATE ingest_jobs SET status = 'cancelled', lease_expires_at = NULL, error_message = 'The data source was purged.' " +
            "WHERE sandbox_id = $sandbox AND data_source_id = $source AND status IN ('queued', 'processing')",
            cancellationToken, transaction, ("$sandbox", sandboxId), ("$source", dataSourceId));
        await transaction.CommitAsync(cancellationToken);
        return (chunks, deliveries, jobs);
    }

    /// <inheritdoc/>
    public async Task<bool> HasContentAsync(string sandboxId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection, "SELECT 1 FROM chunks WHERE sandbox_id = $sandbox AND end_user_id IS NULL LIMIT 1",
            r => 1, cancellationToken, null, ("$sandbox", sandboxId));
        return rows.Count > 0;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlySet<string>> GetDeliveredAsync(string sandboxId, string windowId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var ids = await Sql.QueryAsync(connection, "SELECT canonical_id FROM deliveries WHERE window_id = $window AND sandbox_id = $sandbox",
            r => r.GetString(0), cancellationToken, null, ("$window", windowId), ("$sandbox", sandboxId));
        return ids.ToHashSet(StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DeliveryRecord>> ListDeliveriesAsync(
        string sandboxId, string windowId, ListCursor? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.QueryAsync(connection,
            "SELECT canonical_id, run_id, delivered_at FROM deliveries WHERE window_id = $window AND sandbox_id = $sandbox " +
            "AND ($at IS NULL OR delivered_at > $at OR (delivered_at = $at AND canonical_id > $id)) " +
            "ORDER BY delivered_at, canonical_id LIMIT $limit",
            r => new DeliveryRecord(r.GetString(0), Sql.ReadStringOrNull(r, 1), Sql.ReadTime(r, 2)), cancellationToken, null,
            ("$window", windowId), ("$sandbox", sandboxId), ("$at", Sql.TimeOrNull(after?.At)), ("$id", after?.Id), ("$limit", limit));
    }

    private static ChunkRecord ReadChunk(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), Sql.ReadStringOrNull(r, 2), Sql.ReadStringOrNull(r, 3), Sql.ReadStringOrNull(r, 4),
        JsonSerializer.Deserialize<List<string>>(r.GetString(5), s_json) ?? [], r.GetString(6), Sql.ReadStringOrNull(r, 7), r.GetString(8),
        r.GetString(9), r.GetString(10), r.GetInt32(11), r.GetString(12), Sql.ReadTime(r, 13));
}
