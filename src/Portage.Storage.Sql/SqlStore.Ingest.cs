using System.Data.Common;
using System.Text.Json;
using Portage.Core.Errors;
using Portage.Core.Ingest;
using Portage.Core.Retrieval;
using Portage.Core.Windows;

namespace Portage.Storage.Sql;

public abstract partial class SqlStore : IIngestStore
{
    /// <summary>The columns of a job row, in the order of <see cref="ReadJob"/>.</summary>
    protected const string JobColumns =
        "id, sandbox_id, data_source_id, project_id, end_user_id, text, source_type, file_path, occurred_at, speaker, participants, " +
        "status, retry_count, error_message, result, created_at, started_at, completed_at, turns";

    // How far down the round a claim looks for a sandbox below its concurrency: every sandbox with waiting jobs has
    // one near the head, so this bounds the work of a claim without passing any of them over.
    private const int ClaimLookahead = 64;

    /// <summary>The parameters of <see cref="InsertChunkSql"/>, in the order of <see cref="ChunkValues"/>.</summary>
    protected static readonly IReadOnlyList<string> ChunkParameters =
        ["@id", "@sandbox", "@source", "@project", "@user", "@path", "@breadcrumb", "@file", "@type", "@content", "@hash", "@tokens", "@job", "@at"];

    private static readonly JsonSerializerOptions s_turnsJson = new(JsonSerializerDefaults.Web);

    /// <summary>The table and columns of a chunk insert, in the order of <see cref="ChunkValueList"/>.</summary>
    protected const string ChunkInto =
        "chunks (id, sandbox_id, data_source_id, project_id, end_user_id, canonical_path, breadcrumb, file_path, source_type, " +
        "content, content_hash, token_estimate, job_id, created_at) ";

    /// <summary>The values of a chunk insert: <see cref="ChunkParameters"/>.</summary>
    protected const string ChunkValueList = "@id, @sandbox, @source, @project, @user, @path, @breadcrumb, @file, @type, @content, @hash, @tokens, @job, @at";

    /// <summary>Inserts one chunk; a chunk already indexed (same content, or a repeat inside the job) adds no row.</summary>
    protected string InsertChunkSql => dialect.InsertOrIgnore($"{ChunkInto}VALUES ({ChunkValueList})");

    /// <summary>
    /// The claim: one statement that takes the next job of the fair round and returns it (<see cref="JobColumns"/>),
    /// for the parameters <c>@now</c>, <c>@lease</c> (the new lease's end), <c>@lookahead</c> and <c>@cap</c> (the
    /// per-sandbox concurrency).
    /// </summary>
    protected abstract string ClaimStatement { get; }

    // Whether any job is claimable now: a queued one that is due, or one whose worker's lease ran out.
    private const string DueStatement =
        "SELECT EXISTS (SELECT 1 FROM ingest_jobs WHERE status = 'queued' AND available_at <= @now) " +
        "OR EXISTS (SELECT 1 FROM ingest_jobs WHERE status = 'processing' AND lease_expires_at <= @now)";

    /// <inheritdoc/>
    public async Task<IngestJobRecord?> ClaimNextAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int perSandboxConcurrency, CancellationToken cancellationToken)
    {
        // Idle workers poll, and every enqueue wakes them: most looks find nothing. A read answers that without taking
        // the write lock (SQLite has one for the whole file) or writing a transaction.
        var due = await ReadFirstAsync(DueStatement, r => r.GetBoolean(0), cancellationToken, ("@now", dialect.Time(now)));
        if (!due)
        {
            return null;
        }

        await using var db = await WriteAsync(cancellationToken);
        return await db.FirstOrDefaultAsync(ClaimStatement, ReadJob, cancellationToken,
            ("@now", dialect.Time(now)), ("@lease", dialect.Time(leaseUntil)), ("@lookahead", ClaimLookahead), ("@cap", perSandboxConcurrency));
    }

    /// <inheritdoc/>
    public async Task EnqueueAsync(IngestJobRecord job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        await using var db = await WriteAsync(cancellationToken);
        await InsertJobAsync(db, job, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<long> EnqueueTurnAsync(IngestJobRecord job, NewTurn turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(turn);
        await using var db = await WriteTransactionAsync(cancellationToken);
        // The window row stays locked to the commit, so a run cannot take the lease between this check and the append.
        var leased = await db.QueryAsync(
            $"SELECT lease_run_id IS NOT NULL AND lease_expires_at > @now FROM data_sources WHERE id = @id AND sandbox_id = @sandbox AND kind = 'ephemeral'{dialect.Lock("FOR UPDATE")}",
            r => r.GetBoolean(0), cancellationToken, ("@id", job.DataSourceId), ("@sandbox", job.SandboxId), ("@now", dialect.Time(turn.CreatedAt)));
        if (leased.Count == 0)
        {
            throw PortageException.NotFound("source_not_found", $"No context window '{job.DataSourceId}' in this sandbox.");
        }

        if (leased[0])
        {
            throw new WindowBusyException(job.DataSourceId!);
        }

        var seq = await AppendTurnAsync(db, job.DataSourceId!, turn, cancellationToken);
        await InsertJobAsync(db, job, cancellationToken);
        await db.CommitAsync(cancellationToken);
        return seq;
    }

    /// <inheritdoc/>
    public Task<IngestJobRecord?> GetJobAsync(string sandboxId, string jobId, CancellationToken cancellationToken) =>
        ReadFirstAsync($"SELECT {JobColumns} FROM ingest_jobs WHERE id = @id AND sandbox_id = @sandbox",
            ReadJob, cancellationToken, ("@id", jobId), ("@sandbox", sandboxId));

    /// <inheritdoc/>
    public async Task<int> CompleteAsync(string jobId, IReadOnlyList<ChunkRecord> chunks, string resultJson, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        await using var db = await WriteTransactionAsync(cancellationToken);

        // A job cancelled meanwhile (its source was purged) must not bring its chunks back; the row lock orders this
        // against a purge running at the same time.
        var state = await db.QueryAsync($"SELECT status FROM ingest_jobs WHERE id = @id{dialect.Lock("FOR UPDATE")}", r => r.GetString(0), cancellationToken,
            ("@id", jobId));
        if (state.Count > 0 && state[0] == IngestStatus.Cancelled)
        {
            return 0;
        }

        var indexed = await CompleteInAsync(db, jobId, chunks, resultJson, now, cancellationToken);
        await db.CommitAsync(cancellationToken);
        return indexed;
    }

    // Stores a job's chunks and marks it completed, inside the caller's transaction; the chunks newly indexed.
    private async Task<int> CompleteInAsync(SqlSession db, string jobId, IReadOnlyList<ChunkRecord> chunks, string resultJson, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var indexed = chunks.Count == 0 ? 0 : await InsertChunksAsync(db, chunks, cancellationToken);
        await db.ExecuteAsync(
            "UPDATE ingest_jobs SET status = 'completed', completed_at = @now, lease_expires_at = NULL, error_message = NULL, " +
            $"result = {dialect.JsonSet("@result", ("indexed", "@indexed"), ("duplicates", "@duplicates"))} WHERE id = @id",
            cancellationToken, ("@now", dialect.Time(now)), ("@result", resultJson), ("@indexed", indexed), ("@duplicates", chunks.Count - indexed), ("@id", jobId));
        return indexed;
    }

    /// <inheritdoc/>
    public async Task FailAsync(string jobId, string error, DateTimeOffset? retryAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = await WriteAsync(cancellationToken);
        if (retryAt is { } at)
        {
            await db.ExecuteAsync(
                "UPDATE ingest_jobs SET status = 'queued', retry_count = retry_count + 1, error_message = @error, available_at = @at, lease_expires_at = NULL " +
                "WHERE id = @id",
                cancellationToken, ("@error", error), ("@at", dialect.Time(at)), ("@id", jobId));
        }
        else
        {
            await db.ExecuteAsync(
                "UPDATE ingest_jobs SET status = 'failed', error_message = @error, completed_at = @now, lease_expires_at = NULL WHERE id = @id",
                cancellationToken, ("@error", error), ("@now", dialect.Time(now)), ("@id", jobId));
        }
    }

    /// <summary>
    /// Inserts a job's chunks (at least one) with <see cref="InsertChunkSql"/> inside the session's transaction, one
    /// prepared statement per chunk; the rows really added (a chunk already indexed adds none).
    /// </summary>
    protected virtual Task<int> InsertChunksAsync(SqlSession db, IReadOnlyList<ChunkRecord> chunks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(chunks);
        return db.ExecuteEachAsync(InsertChunkSql, ChunkParameters, chunks.Select(ChunkValues), cancellationToken);
    }

    /// <summary>The values of <see cref="ChunkParameters"/> for one chunk.</summary>
    protected object?[] ChunkValues(ChunkRecord chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        return
        [
            chunk.Id, chunk.SandboxId, chunk.DataSourceId, chunk.ProjectId, chunk.EndUserId, dialect.StringList(chunk.CanonicalPath), chunk.Breadcrumb,
            chunk.FilePath, chunk.SourceType, chunk.Content, chunk.ContentHash, chunk.TokenEstimate, chunk.JobId, dialect.Time(chunk.CreatedAt),
        ];
    }

    private IngestJobRecord ReadJob(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.StringOrNull(2), r.StringOrNull(3), r.StringOrNull(4), r.GetString(5), r.GetString(6),
        r.StringOrNull(7), dialect.ReadTimeOrNull(r, 8), r.StringOrNull(9), r.IsDBNull(10) ? null : dialect.ReadStringList(r, 10),
        r.GetString(11), r.GetInt32(12), r.StringOrNull(13), r.StringOrNull(14), dialect.ReadTime(r, 15), dialect.ReadTimeOrNull(r, 16),
        dialect.ReadTimeOrNull(r, 17), r.IsDBNull(18) ? null : JsonSerializer.Deserialize<List<IngestTurn>>(r.GetString(18), s_turnsJson));

    private Task<int> InsertJobAsync(SqlSession db, IngestJobRecord job, CancellationToken cancellationToken) =>
        db.ExecuteAsync(InsertJobStatement(job), cancellationToken);

    // The job's place in the round (fair_seq): after the sandbox's own waiting jobs, and not before the head of the
    // queue, so a sandbox that was idle joins the round at once instead of behind another sandbox's backlog.
    private SqlStatement InsertJobStatement(IngestJobRecord job) =>
        new(
            $"INSERT INTO ingest_jobs ({JobColumns}, available_at, fair_seq) " +
            "VALUES (@id, @sandbox, @source, @project, @user, @text, @type, @file, @occurred, @speaker, @participants, " +
            $"@status, @retries, @error, {dialect.Jsonb("@result")}, @created, @started, @completed, {dialect.Jsonb("@turns")}, @created, {dialect.Greatest}(" +
            "  COALESCE((SELECT MAX(fair_seq) FROM ingest_jobs WHERE sandbox_id = @sandbox AND status = 'queued'), 0) + 1, " +
            "  COALESCE((SELECT MAX(fair_seq) FROM ingest_jobs WHERE sandbox_id = @sandbox AND status = 'processing'), 0) + 1, " +
            "  COALESCE((SELECT MIN(fair_seq) FROM ingest_jobs WHERE status = 'queued'), 0)))",
            [("@status", job.Status), ("@error", job.ErrorMessage), ("@result", job.ResultJson), ("@completed", dialect.TimeOrNull(job.CompletedAt)), .. JobValues(job)]);

    /// <summary>
    /// Inserts a job already done, its chunks stored by the same transaction: <paramref name="indexed"/> (a parameter or an
    /// expression) of its <paramref name="chunks"/> were new. It never waits, so it takes no place in the round.
    /// <paramref name="onlyIf"/> is a condition (<c>WHERE …</c>) or empty; <paramref name="more"/> are the parameters
    /// <paramref name="indexed"/> and <paramref name="onlyIf"/> add.
    /// </summary>
    protected SqlStatement InsertCompletedJobStatement(
        IngestJobRecord job, JobChunks chunks, DateTimeOffset completedAt, string indexed, string onlyIf, params (string Name, object? Value)[] more)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(more);
        return new(
            $"INSERT INTO ingest_jobs ({JobColumns}, available_at, fair_seq) " +
            $"SELECT @id, @sandbox, @source, @project, @user, @text, @type, @file, {dialect.Timestamp("@occurred")}, @speaker, {dialect.TextList("@participants")}, " +
            $"'completed', @retries, NULL, {dialect.JsonSet("@result", ("indexed", indexed), ("duplicates", $"@total - {indexed}"))}, @created, {dialect.Timestamp("@started")}, @at, " +
            $"{dialect.Jsonb("@turns")}, @created, 0{onlyIf}",
            [("@result", chunks.ResultJson), ("@total", chunks.Chunks.Count), ("@at", dialect.Time(completedAt)), .. JobValues(job), .. more]);
    }

    private (string Name, object? Value)[] JobValues(IngestJobRecord job) =>
    [
        ("@id", job.Id), ("@sandbox", job.SandboxId), ("@source", job.DataSourceId), ("@project", job.ProjectId), ("@user", job.EndUserId),
        ("@text", job.Text), ("@type", job.SourceType), ("@file", job.FilePath), ("@occurred", dialect.TimeOrNull(job.OccurredAt)), ("@speaker", job.Speaker),
        ("@participants", job.Participants is null ? null : dialect.StringList(job.Participants)), ("@retries", job.RetryCount),
        ("@created", dialect.Time(job.CreatedAt)), ("@started", dialect.TimeOrNull(job.StartedAt)),
        ("@turns", job.Turns is null ? null : JsonSerializer.Serialize(job.Turns, s_turnsJson)),
    ];
}
