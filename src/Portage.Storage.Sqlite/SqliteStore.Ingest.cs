using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portage.Core.Errors;
using Portage.Core.Ingest;
using Portage.Core.Retrieval;
using Portage.Core.Windows;

namespace Portage.Storage.Sqlite;

public sealed partial class SqliteStore : IIngestStore
{
    private const string JobColumns =
        "id, sandbox_id, data_source_id, project_id, end_user_id, text, source_type, file_path, occurred_at, speaker, participants, " +
        "status, retry_count, error_message, result, created_at, started_at, completed_at, turns";

    // How far down the round a claim looks for a sandbox below its concurrency: every sandbox with waiting jobs has
    // one near the head, so this bounds the work of a claim without passing any of them over.
    private const int ClaimLookahead = 64;

    private static readonly JsonSerializerOptions s_turnsJson = new(JsonSerializerDefaults.Web);

    private static readonly string[] s_chunkParameters =
        ["$id", "$sandbox", "$source", "$project", "$user", "$path", "$breadcrumb", "$file", "$type", "$content", "$hash", "$tokens", "$job", "$at"];

    /// <inheritdoc/>
    public async Task EnqueueAsync(IngestJobRecord job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        await using var connection = await database.OpenWriterAsync(cancellationToken);
        await InsertJobAsync(connection, null, job, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<long> EnqueueTurnAsync(IngestJobRecord job, NewTurn turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(turn);
        await using var connection = await database.OpenWriterAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var leased = await Sql.QueryAsync(connection,
            "SELECT lease_run_id IS NOT NULL AND lease_expires_at > $now FROM data_sources WHERE id = $id AND sandbox_id = $sandbox AND kind = 'ephemeral'",
            r => r.GetBoolean(0), cancellationToken, transaction, ("$id", job.DataSourceId), ("$sandbox", job.SandboxId), ("$now", Sql.Time(turn.CreatedAt)));
        if (leased.Count == 0)
        {
            throw PortageException.NotFound("source_not_found", $"No context window '{job.DataSourceId}' in this sandbox.");
        }

        if (leased[0])
        {
            throw new WindowBusyException(job.DataSourceId!);
        }

        var seq = await AppendTurnAsync(connection, transaction, job.DataSourceId!, turn, cancellationToken);
        await InsertJobAsync(connection, transaction, job, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return seq;
    }

    /// <inheritdoc/>
    public async Task<IngestJobRecord?> GetJobAsync(string sandboxId, string jobId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection, $"SELECT {JobColumns} FROM ingest_jobs WHERE id = $id AND sandbox_id = $sandbox",
            ReadJob, cancellationToken, null, ("$id", jobId), ("$sandbox", sandboxId));
        return rows.FirstOrDefault();
    }

    /// <inheritdoc/>
    public async Task<IngestJobRecord?> ClaimNextAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int perSandboxConcurrency, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenWriterAsync(cancellationToken);
        // One statement: SQLite holds the write lock for it, so two workers never claim the same job. Candidates are the
        // jobs of expired leases and the head of the round; a sandbox at its concurrency goes after the others.
        var rows = await Sql.QueryAsync(connection,
            "UPDATE ingest_jobs SET " +
            "retry_count = retry_count + (CASE WHEN status = 'processing' THEN 1 ELSE 0 END), " +
            "status = 'processing', started_at = $now, lease_expires_at = $lease " +
            "WHERE id = (SELECT head.id FROM (" +
            "    SELECT id, sandbox_id, fair_seq, created_at FROM ingest_jobs WHERE status = 'processing' AND lease_expires_at <= $now " +
            "    UNION ALL " +
            "    SELECT * FROM (SELECT id, sandbox_id, fair_seq, created_at FROM ingest_jobs WHERE status = 'queued' AND available_at <= $now " +
            "      ORDER BY fair_seq, created_at, id LIMIT $lookahead)) AS head " +
            "  ORDER BY (SELECT COUNT(*) FROM ingest_jobs AS running " +
            "      WHERE running.sandbox_id = head.sandbox_id AND running.status = 'processing' AND running.lease_expires_at > $now) >= $cap, " +
            "    head.fair_seq, head.created_at, head.id LIMIT 1) " +
            $"RETURNING {JobColumns}",
            ReadJob, cancellationToken, null,
            ("$now", Sql.Time(now)), ("$lease", Sql.Time(leaseUntil)), ("$lookahead", ClaimLookahead), ("$cap", perSandboxConcurrency));
        return rows.FirstOrDefault();
    }

    /// <inheritdoc/>
    public async Task<int> CompleteAsync(string jobId, IReadOnlyList<ChunkRecord> chunks, string resultJson, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        await using var connection = await database.OpenWriterAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);

        // A job cancelled meanwhile (its source was purged) must not bring its chunks back.
        var state = await Sql.QueryAsync(connection, "SELECT status FROM ingest_jobs WHERE id = $id", r => r.GetString(0), cancellationToken, transaction, ("$id", jobId));
        if (state.Count > 0 && state[0] == IngestStatus.Cancelled)
        {
            return 0;
        }

        var indexed = 0;
        await using (var insert = Sql.Command(connection,
            "INSERT OR IGNORE INTO chunks (id, sandbox_id, data_source_id, project_id, end_user_id, canonical_path, breadcrumb, file_path, source_type, " +
            "content, content_hash, token_estimate, job_id, created_at) " +
            "VALUES ($id, $sandbox, $source, $project, $user, $path, $breadcrumb, $file, $type, $content, $hash, $tokens, $job, $at)",
            transaction))
        {
            var parameters = s_chunkParameters.Select(name => insert.Parameters.Add(new SqliteParameter(name, null)))
                .ToArray();
            foreach (var chunk in chunks)
            {
                object?[] values =
                [
                    chunk.Id, chunk.SandboxId, chunk.DataSourceId, chunk.ProjectId, chunk.EndUserId, JsonSerializer.Serialize(chunk.CanonicalPath, s_json),
                    chunk.Breadcrumb, chunk.FilePath, chunk.SourceType, chunk.Content, chunk.ContentHash, chunk.TokenEstimate, chunk.JobId, Sql.Time(chunk.CreatedAt),
                ];
                for (var i = 0; i < values.Length; i++)
                {
                    parameters[i].Value = values[i] ?? DBNull.Value;
                }

                indexed += await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await Sql.ExecuteAsync(connection,
            "UPDATE ingest_jobs SET status = 'completed', completed_at = $now, lease_expires_at = NULL, error_message = NULL, " +
            "result = json_set($result, '$.indexed', $indexed, '$.duplicates', $duplicates) WHERE id = $id",
            cancellationToken, transaction,
            ("$now", Sql.Time(now)), ("$result", resultJson), ("$indexed", indexed), ("$duplicates", chunks.Count - indexed), ("$id", jobId));
        await transaction.CommitAsync(cancellationToken);
        return indexed;
    }

    /// <inheritdoc/>
    public async Task FailAsync(string jobId, string error, DateTimeOffset? retryAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenWriterAsync(cancellationToken);
        if (retryAt is { } at)
        {
            await Sql.ExecuteAsync(connection,
                "UPDATE ingest_jobs SET status = 'queued', retry_count = retry_count + 1, error_message = $error, available_at = $at, lease_expires_at = NULL " +
                "WHERE id = $id",
                cancellationToken, null, ("$error", error), ("$at", Sql.Time(at)), ("$id", jobId));
        }
        else
        {
            await Sql.ExecuteAsync(connection,
                "UPDATE ingest_jobs SET status = 'failed', error_message = $error, completed_at = $now, lease_expires_at = NULL WHERE id = $id",
                cancellationToken, null, ("$error", error), ("$now", Sql.Time(now)), ("$id", jobId));
        }
    }

    // The job's place in the round (fair_seq): after the sandbox's own waiting jobs, and not before the head of the
    // queue, so a sandbox that was idle joins the round at once instead of behind another sandbox's backlog.
    private static async Task InsertJobAsync(SqliteConnection connection, SqliteTransaction? transaction, IngestJobRecord job, CancellationToken cancellationToken) =>
        await Sql.ExecuteAsync(connection,
            $"INSERT INTO ingest_jobs ({JobColumns}, available_at, fair_seq) " +
            "VALUES ($id, $sandbox, $source, $project, $user, $text, $type, $file, $occurred, $speaker, $participants, " +
            "$status, $retries, $error, $result, $created, $started, $completed, $turns, $created, MAX(" +
            "  COALESCE((SELECT MAX(fair_seq) FROM ingest_jobs WHERE sandbox_id = $sandbox AND status = 'queued'), 0) + 1, " +
            "  COALESCE((SELECT MAX(fair_seq) FROM ingest_jobs WHERE sandbox_id = $sandbox AND status = 'processing'), 0) + 1, " +
            "  COALESCE((SELECT MIN(fair_seq) FROM ingest_jobs WHERE status = 'queued'), 0)))",
            cancellationToken, transaction,
            ("$id", job.Id), ("$sandbox", job.SandboxId), ("$source", job.DataSourceId), ("$project", job.ProjectId), ("$user", job.EndUserId),
            ("$text", job.Text), ("$type", job.SourceType), ("$file", job.FilePath), ("$occurred", Sql.TimeOrNull(job.OccurredAt)), ("$speaker", job.Speaker),
            ("$participants", job.Participants is null ? null : JsonSerializer.Serialize(job.Participants, s_json)),
            ("$status", job.Status), ("$retries", job.RetryCount), ("$error", job.ErrorMessage), ("$result", job.ResultJson),
            ("$created", Sql.Time(job.CreatedAt)), ("$started", Sql.TimeOrNull(job.StartedAt)), ("$completed", Sql.TimeOrNull(job.CompletedAt)),
            ("$turns", job.Turns is null ? null : JsonSerializer.Serialize(job.Turns, s_turnsJson)));

    private static IngestJobRecord ReadJob(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), Sql.ReadStringOrNull(r, 2), Sql.ReadStringOrNull(r, 3), Sql.ReadStringOrNull(r, 4), r.GetString(5), r.GetString(6),
        Sql.ReadStringOrNull(r, 7), Sql.ReadTimeOrNull(r, 8), Sql.ReadStringOrNull(r, 9), ReadStrings(Sql.ReadStringOrNull(r, 10)),
        r.GetString(11), r.GetInt32(12), Sql.ReadStringOrNull(r, 13), Sql.ReadStringOrNull(r, 14), Sql.ReadTime(r, 15), Sql.ReadTimeOrNull(r, 16),
        Sql.ReadTimeOrNull(r, 17), ReadTurns(Sql.ReadStringOrNull(r, 18)));

    private static List<IngestTurn>? ReadTurns(string? json) => json is null ? null : JsonSerializer.Deserialize<List<IngestTurn>>(json, s_turnsJson);

    private static List<string>? ReadStrings(string? json) => json is null ? null : JsonSerializer.Deserialize<List<string>>(json, s_json);
}
