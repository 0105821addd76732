using System.Text.Json;
using Npgsql;
using Portage.Core.Errors;
using Portage.Core.Ingest;
using Portage.Core.Retrieval;
using Portage.Core.Windows;

namespace Portage.Storage.Postgres;

public sealed partial class PostgresStore : IIngestStore
{
    private const string JobColumns =
        "id, sandbox_id, data_source_id, project_id, end_user_id, text, source_type, file_path, occurred_at, speaker, participants, " +
        "status, retry_count, error_message, result, created_at, started_at, completed_at, turns";

    // How far down the round a claim looks for a sandbox below its concurrency: every sandbox with waiting jobs has
    // one near the head, so this bounds the work of a claim without passing any of them over.
    private const int ClaimLookahead = 64;

    private const string InsertChunk =
        "INSERT INTO chunks (id, sandbox_id, data_source_id, project_id, end_user_id, canonical_path, breadcrumb, file_path, source_type, " +
        "content, content_hash, token_estimate, job_id, created_at) " +
        "VALUES (@id, @sandbox, @source, @project, @user, @path, @breadcrumb, @file, @type, @content, @hash, @tokens, @job, @at) ON CONFLICT DO NOTHING";

    private static readonly JsonSerializerOptions s_turnsJson = new(JsonSerializerDefaults.Web);

    private static readonly string[] s_chunkParameters =
        ["@id", "@sandbox", "@source", "@project", "@user", "@path", "@breadcrumb", "@file", "@type", "@content", "@hash", "@tokens", "@job", "@at"];

    /// <inheritdoc/>
    public async Task EnqueueAsync(IngestJobRecord job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        await using var connection = await database.OpenAsync(cancellationToken);
        await InsertJobAsync(connection, job, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<long> EnqueueTurnAsync(IngestJobRecord job, NewTurn turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(turn);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The window row stays locked to the commit, so a run cannot take the lease between this check and the append.
        var leased = await Sql.QueryAsync(connection,
            "SELECT lease_run_id IS NOT NULL AND lease_expires_at > @now FROM data_sources WHERE id = @id AND sandbox_id = @sandbox AND kind = 'ephemeral' FOR UPDATE",
            r => r.GetBoolean(0), cancellationToken, ("@id", job.DataSourceId), ("@sandbox", job.SandboxId), ("@now", Sql.Time(turn.CreatedAt)));
        if (leased.Count == 0)
        {
            throw PortageException.NotFound("source_not_found", $"No context window '{job.DataSourceId}' in this sandbox.");
        }

        if (leased[0])
        {
            throw new WindowBusyException(job.DataSourceId!);
        }

        var seq = await AppendTurnAsync(connection, job.DataSourceId!, turn, cancellationToken);
        await InsertJobAsync(connection, job, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return seq;
    }

    /// <inheritdoc/>
    public async Task<IngestJobRecord?> GetJobAsync(string sandboxId, string jobId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection, $"SELECT {JobColumns} FROM ingest_jobs WHERE id = @id AND sandbox_id = @sandbox",
            ReadJob, cancellationToken, ("@id", jobId), ("@sandbox", sandboxId));
        return rows.FirstOrDefault();
    }

    /// <inheritdoc/>
    public async Task<IngestJobRecord?> ClaimNextAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int perSandboxConcurrency, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // One statement. Candidates are the jobs of expired leases and the head of the round; a sandbox at its
        // concurrency goes after the others. SKIP LOCKED lets concurrent workers (any process) each take a different
        // job instead of waiting for the same one; the row lock, and the state re-checked on the locked row, mean no job
        // is ever handed out twice. Two replicas claiming at the same instant may both count a sandbox below its
        // concurrency: the cap can be passed by one job then, the order of the round still holds.
        var rows = await Sql.QueryAsync(connection,
            "WITH head AS (" +
            "    (SELECT id, sandbox_id, fair_seq, created_at FROM ingest_jobs WHERE status = 'processing' AND lease_expires_at <= @now) " +
            "    UNION ALL " +
            "    (SELECT id, sandbox_id, fair_seq, created_at FROM ingest_jobs WHERE status = 'queued' AND available_at <= @now " +
            "      ORDER BY fair_seq, created_at, id LIMIT @lookahead)), " +
            "  busy AS (SELECT sandbox_id FROM ingest_jobs WHERE status = 'processing' AND lease_expires_at > @now " +
            "    GROUP BY sandbox_id HAVING count(*) >= @cap) " +
            "UPDATE ingest_jobs SET " +
            "retry_count = retry_count + (CASE WHEN status = 'processing' THEN 1 ELSE 0 END), " +
            "status = 'processing', started_at = @now, lease_expires_at = @lease " +
            "WHERE id = (SELECT job.id FROM ingest_jobs AS job JOIN head ON head.id = job.id " +
            "  WHERE (job.status = 'queued' AND job.available_at <= @now) OR (job.status = 'processing' AND job.lease_expires_at <= @now) " +
            "  ORDER BY head.sandbox_id IN (SELECT sandbox_id FROM busy), head.fair_seq, head.created_at, head.id " +
            "  LIMIT 1 FOR UPDATE OF job SKIP LOCKED) " +
            $"RETURNING {JobColumns}",
            ReadJob, cancellationToken,
            ("@now", Sql.Time(now)), ("@lease", Sql.Time(leaseUntil)), ("@lookahead", ClaimLookahead), ("@cap", perSandboxConcurrency));
        return rows.FirstOrDefault();
    }

    /// <inheritdoc/>
    public async Task<int> CompleteAsync(string jobId, IReadOnlyList<ChunkRecord> chunks, string resultJson, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // A job cancelled meanwhile (its source was purged) must not bring its chunks back; the row lock orders this
        // against a purge running at the same time.
        var state = await Sql.QueryAsync(connection, "SELECT status FROM ingest_jobs WHERE id = @id FOR UPDATE", r => r.GetString(0), cancellationToken,
            ("@id", jobId));
        if (state.Count > 0 && state[0] == IngestStatus.Cancelled)
        {
            return 0;
        }

        // One round trip; each insert that hits an already indexed chunk (same content, or a repeat inside this job)
        // adds nothing, so the affected rows are the chunks really added.
        var indexed = 0;
        if (chunks.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection);
            foreach (var chunk in chunks)
            {
                var insert = new NpgsqlBatchCommand(InsertChunk);
                object?[] values =
                [
                    chunk.Id, chunk.SandboxId, chunk.DataSourceId, chunk.ProjectId, chunk.EndUserId, chunk.CanonicalPath.ToArray(), chunk.Breadcrumb, chunk.FilePath,
                    chunk.SourceType, chunk.Content, chunk.ContentHash, chunk.TokenEstimate, chunk.JobId, Sql.Time(chunk.CreatedAt),
                ];
                for (var i = 0; i < values.Length; i++)
                {
                    insert.Parameters.AddWithValue(s_chunkParameters[i], values[i] ?? DBNull.Value);
                }

                batch.BatchCommands.Add(insert);
            }

            indexed = await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await Sql.ExecuteAsync(connection,
            "UPDATE ingest_jobs SET status = 'completed', completed_at = @now, lease_expires_at = NULL, error_message = NULL, " +
            "result = @result::jsonb || jsonb_build_object('indexed', @indexed, 'duplicates', @duplicates) WHERE id = @id",
            cancellationToken, ("@now", Sql.Time(now)), ("@result", resultJson), ("@indexed", indexed), ("@duplicates", chunks.Count - indexed), ("@id", jobId));
        await transaction.CommitAsync(cancellationToken);
        return indexed;
    }

    /// <inheritdoc/>
    public async Task FailAsync(string jobId, string error, DateTimeOffset? retryAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        if (retryAt is { } at)
        {
            await Sql.ExecuteAsync(connection,
                "UPDATE ingest_jobs SET status = 'queued', retry_count = retry_count + 1, error_message = @error, available_at = @at, lease_expires_at = NULL " +
                "WHERE id = @id",
                cancellationToken, ("@error", error), ("@at", Sql.Time(at)), ("@id", jobId));
        }
        else
        {
            await Sql.ExecuteAsync(connection,
                "UPDATE ingest_jobs SET status = 'failed', error_message = @error, completed_at = @now, lease_expires_at = NULL WHERE id = @id",
                cancellationToken, ("@error", error), ("@now", Sql.Time(now)), ("@id", jobId));
        }
    }

    // The job's place in the round (fair_seq): after the sandbox's own waiting jobs, and not before the head of the
    // queue, so a sandbox that was idle joins the round at once instead of behind another sandbox's backlog.
    private static Task<int> InsertJobAsync(NpgsqlConnection connection, IngestJobRecord job, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection,
            $"INSERT INTO ingest_jobs ({JobColumns}, available_at, fair_seq) " +
            "VALUES (@id, @sandbox, @source, @project, @user, @text, @type, @file, @occurred, @speaker, @participants, " +
            "@status, @retries, @error, @result::jsonb, @created, @started, @completed, @turns::jsonb, @created, GREATEST(" +
            "  COALESCE((SELECT max(fair_seq) FROM ingest_jobs WHERE sandbox_id = @sandbox AND status = 'queued'), 0) + 1, " +
            "  COALESCE((SELECT max(fair_seq) FROM ingest_jobs WHERE sandbox_id = @sandbox AND status = 'processing'), 0) + 1, " +
            "  (SELECT min(fair_seq) FROM ingest_jobs WHERE status = 'queued')))",
            cancellationToken,
            ("@id", job.Id), ("@sandbox", job.SandboxId), ("@source", job.DataSourceId), ("@project", job.ProjectId), ("@user", job.EndUserId),
            ("@text", job.Text), ("@type", job.SourceType), ("@file", job.FilePath), ("@occurred", Sql.TimeOrNull(job.OccurredAt)), ("@speaker", job.Speaker),
            ("@participants", job.Participants?.ToArray()),
            ("@status", job.Status), ("@retries", job.RetryCount), ("@error", job.ErrorMessage), ("@result", job.ResultJson),
            ("@created", Sql.Time(job.CreatedAt)), ("@started", Sql.TimeOrNull(job.StartedAt)), ("@completed", Sql.TimeOrNull(job.CompletedAt)),
            ("@turns", job.Turns is null ? null : JsonSerializer.Serialize(job.Turns, s_turnsJson)));

    private static IngestJobRecord ReadJob(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), Sql.ReadStringOrNull(r, 2), Sql.ReadStringOrNull(r, 3), Sql.ReadStringOrNull(r, 4), r.GetString(5), r.GetString(6),
        Sql.ReadStringOrNull(r, 7), Sql.ReadTimeOrNull(r, 8), Sql.ReadStringOrNull(r, 9), r.IsDBNull(10) ? null : r.GetFieldValue<string[]>(10),
        r.GetString(11), r.GetInt32(12), Sql.ReadStringOrNull(r, 13), Sql.ReadStringOrNull(r, 14), Sql.ReadTime(r, 15), Sql.ReadTimeOrNull(r, 16),
        Sql.ReadTimeOrNull(r, 17), r.IsDBNull(18) ? null : JsonSerializer.Deserialize<List<IngestTurn>>(r.GetString(18), s_turnsJson));
}
