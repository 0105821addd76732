using System.Data.Common;
using System.Globalization;
using Portage.Core.Retrieval;
using Portage.Core.Storage;

namespace Portage.Storage.Sql;

public abstract partial class SqlStore : IContentIndex
{
    /// <summary>The columns of a chunk row (table alias <c>c</c>), in the order of <see cref="ReadChunk"/>.</summary>
    protected const string ChunkColumns =
        "c.id, c.sandbox_id, c.data_source_id, c.project_id, c.end_user_id, c.canonical_path, c.breadcrumb, c.file_path, c.source_type, " +
        "c.content, c.content_hash, c.token_estimate, c.job_id, c.created_at";

    /// <summary>
    /// Rule 2: content without an end user is the sandbox's; conversation memory only reaches its own end user, and a
    /// query without an end user (<c>@user</c> NULL) sees none (NULL = NULL is not true).
    /// </summary>
    protected const string VisibleTo = "(c.end_user_id IS NULL OR c.end_user_id = @user)";

    /// <summary>
    /// The search statement: <see cref="ChunkColumns"/> then the rank as the last column, best first, for the
    /// parameters <c>@query</c> (<see cref="ToSearchQuery"/>), <c>@sandbox</c>, <c>@project</c>, <c>@user</c>,
    /// <c>@excluded</c> (a string list), <c>@window</c> and <c>@limit</c>.
    /// </summary>
    protected abstract string SearchStatement { get; }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ChunkHit>> SearchAsync(ContentQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var terms = ToSearchQuery(query);
        if (terms is null || query.Limit <= 0)
        {
            return [];
        }

        // The exclusions are part of the query, so LIMIT is filled from the next-ranked chunks.
        var rows = await ReadListAsync(SearchStatement, r => (Chunk: ReadChunk(r), Rank: Convert.ToDouble(r.GetValue(r.FieldCount - 1), CultureInfo.InvariantCulture)),
            cancellationToken, ("@query", terms), ("@sandbox", query.SandboxId), ("@project", query.ProjectId), ("@user", query.EndUserId),
            ("@excluded", dialect.StringList(query.Excluded)), ("@window", query.ExcludedConversation), ("@limit", query.Limit));
        if (rows.Count == 0)
        {
            return [];
        }

        // The best hit scores 1 and the rest in proportion to it (ranks share the best one's sign: bm25 is negative,
        // lower is better; ts_rank_cd is positive, higher is better).
        var best = rows[0].Rank;
        return [.. rows.Select(row => new ChunkHit(row.Chunk, best != 0 ? Math.Clamp(row.Rank / best, 0, 1) : 1.0))];
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ChunkRecord>> GetChunksAsync(string sandboxId, IReadOnlyCollection<string> canonicalIds, string? endUserId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(canonicalIds);
        if (canonicalIds.Count == 0)
        {
            return [];
        }

        return await ReadListAsync(
            $"SELECT {ChunkColumns} FROM chunks c WHERE c.sandbox_id = @sandbox AND {VisibleTo} " +
            $"AND ({dialect.InList("c.id", "@ids")} OR {dialect.Overlaps("c.canonical_path", "@ids")}) ORDER BY c.seq",
            ReadChunk, cancellationToken, ("@sandbox", sandboxId), ("@user", endUserId), ("@ids", dialect.StringList(canonicalIds)));
    }

    /// <inheritdoc/>
    public async Task RecordDeliveriesAsync(string sandboxId, string windowId, string runId, IReadOnlyCollection<string> canonicalIds, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(canonicalIds);
        if (canonicalIds.Count == 0)
        {
            return;
        }

        // "WHERE true" keeps SQLite from reading ON CONFLICT as part of the SELECT's join.
        await WriteOnceAsync(
            "INSERT INTO deliveries (sandbox_id, window_id, canonical_id, run_id, delivered_at) " +
            $"SELECT @sandbox, @window, value, @run, @at FROM {dialect.Rows("@ids")} WHERE true " +
            "ON CONFLICT (window_id, canonical_id) DO UPDATE SET run_id = excluded.run_id, delivered_at = excluded.delivered_at, evicted_at = NULL " +
            "WHERE deliveries.evicted_at IS NOT NULL",
            cancellationToken,
            ("@sandbox", sandboxId), ("@window", windowId), ("@run", runId), ("@at", dialect.Time(at)), ("@ids", dialect.StringList(canonicalIds)));
    }

    /// <inheritdoc/>
    public async Task<(long Chunks, long Deliveries, long JobsCancelled)> PurgeSourceAsync(string sandboxId, string dataSourceId, CancellationToken cancellationToken)
    {
        await using var db = await WriteTransactionAsync(cancellationToken);
        // The jobs first: a job completing meanwhile (CompleteAsync holds its row) is waited for, and its chunks, committed
        // by then, are seen by the delete below; a job not yet completing is cancelled and adds nothing later.
        var jobs = await db.ExecuteAsync(
            "UPDATE ingest_jobs SET status = 'cancelled', lease_expires_at = NULL, error_message = 'The data source was purged.' " +
            "WHERE sandbox_id = @sandbox AND data_source_id = @source AND status IN ('queued', 'processing')",
            cancellationToken, ("@sandbox", sandboxId), ("@source", dataSourceId));
        var chunks = await db.ExecuteAsync("DELETE FROM chunks WHERE sandbox_id = @sandbox AND data_source_id = @source",
            cancellationToken, ("@sandbox", sandboxId), ("@source", dataSourceId));
        var deliveries = await db.ExecuteAsync("DELETE FROM deliveries WHERE sandbox_id = @sandbox AND window_id = @source",
            cancellationToken, ("@sandbox", sandboxId), ("@source", dataSourceId));
        await db.CommitAsync(cancellationToken);
        return (chunks, deliveries, jobs);
    }

    /// <inheritdoc/>
    public async Task<bool> HasContentAsync(string sandboxId, CancellationToken cancellationToken)
    {
        await using var db = await ReadAsync(cancellationToken);
        var rows = await db.QueryAsync("SELECT 1 FROM chunks WHERE sandbox_id = @sandbox AND end_user_id IS NULL LIMIT 1",
            r => 1, cancellationToken, ("@sandbox", sandboxId));
        return rows.Count > 0;
    }

    /// <inheritdoc/>
    public async Task<int> EvictDeliveriesAsync(string sandboxId, string windowId, IReadOnlyCollection<string> runIds, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runIds);
        return runIds.Count == 0 ? 0 : await WriteOnceAsync(
            $"UPDATE deliveries SET evicted_at = @at WHERE sandbox_id = @sandbox AND window_id = @window AND evicted_at IS NULL AND {dialect.InList("run_id", "@runs")}",
            cancellationToken, ("@at", dialect.Time(at)), ("@sandbox", sandboxId), ("@window", windowId), ("@runs", dialect.StringList(runIds)));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlySet<string>> GetDeliveredAsync(string sandboxId, string windowId, CancellationToken cancellationToken)
    {
        await using var db = await ReadAsync(cancellationToken);
        var ids = await db.QueryAsync("SELECT canonical_id FROM deliveries WHERE window_id = @window AND sandbox_id = @sandbox AND evicted_at IS NULL",
            r => r.GetString(0), cancellationToken, ("@window", windowId), ("@sandbox", sandboxId));
        return ids.ToHashSet(StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DeliveryRecord>> ListDeliveriesAsync(
        string sandboxId, string windowId, ListCursor? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return await ReadListAsync(
            "SELECT canonical_id, run_id, delivered_at, evicted_at FROM deliveries WHERE window_id = @window AND sandbox_id = @sandbox " +
            $"AND ({dialect.Timestamp("@at")} IS NULL OR delivered_at > @at OR (delivered_at = @at AND canonical_id > {dialect.Text("@id")})) " +
            "ORDER BY delivered_at, canonical_id LIMIT @limit",
            r => new DeliveryRecord(r.GetString(0), r.StringOrNull(1), dialect.ReadTime(r, 2), dialect.ReadTimeOrNull(r, 3)), cancellationToken,
            ("@window", windowId), ("@sandbox", sandboxId), ("@at", dialect.TimeOrNull(after?.At)), ("@id", after?.Id), ("@limit", limit));
    }

    /// <summary>The text of the <c>@query</c> parameter of <see cref="SearchStatement"/> for a search; null when its text has no word.</summary>
    protected abstract string? ToSearchQuery(ContentQuery query);

    private ChunkRecord ReadChunk(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.StringOrNull(2), r.StringOrNull(3), r.StringOrNull(4),
        dialect.ReadStringList(r, 5), r.GetString(6), r.StringOrNull(7), r.GetString(8),
        r.GetString(9), r.GetString(10), r.GetInt32(11), r.GetString(12), dialect.ReadTime(r, 13));
}
