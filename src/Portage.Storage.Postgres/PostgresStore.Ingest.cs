using Npgsql;
using Portage.Core.Retrieval;
using Portage.Storage.Sql;

namespace Portage.Storage.Postgres;

public sealed partial class PostgresStore
{
    // One statement. Candidates are the jobs of expired leases and the head of the round; a sandbox at its
    // concurrency goes after the others. SKIP LOCKED lets concurrent workers (any process) each take a different
    // job instead of waiting for the same one; the row lock, and the state re-checked on the locked row, mean no job
    // is ever handed out twice. Two replicas claiming at the same instant may both count a sandbox below its
    // concurrency: the cap can be passed by one job then, the order of the round still holds.
    private const string Claim =
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
        $"RETURNING {JobColumns}";

    /// <inheritdoc/>
    protected override string ClaimStatement => Claim;

    /// <inheritdoc/>
    protected override async Task<int> InsertChunksAsync(SqlSession db, IReadOnlyList<ChunkRecord> chunks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(chunks);
        // One round trip; each insert that hits an already indexed chunk (same content, or a repeat inside this job)
        // adds nothing, so the affected rows are the chunks really added.
        var sql = InsertChunkSql;
        await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Connection);
        foreach (var chunk in chunks)
        {
            var insert = new NpgsqlBatchCommand(sql);
            var values = ChunkValues(chunk);
            for (var i = 0; i < values.Length; i++)
            {
                insert.Parameters.AddWithValue(ChunkParameters[i], values[i] ?? DBNull.Value);
            }

            batch.BatchCommands.Add(insert);
        }

        return await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
