namespace Portage.Storage.Sqlite;

public sealed partial class SqliteStore
{
    // One statement: SQLite holds the write lock for it, so two workers never claim the same job. Candidates are the
    // jobs of expired leases and the head of the round; a sandbox at its concurrency goes after the others.
    private const string Claim =
        "UPDATE ingest_jobs SET " +
        "retry_count = retry_count + (CASE WHEN status = 'processing' THEN 1 ELSE 0 END), " +
        "status = 'processing', started_at = @now, lease_expires_at = @lease " +
        "WHERE id = (SELECT head.id FROM (" +
        "    SELECT id, sandbox_id, fair_seq, created_at FROM ingest_jobs WHERE status = 'processing' AND lease_expires_at <= @now " +
        "    UNION ALL " +
        "    SELECT * FROM (SELECT id, sandbox_id, fair_seq, created_at FROM ingest_jobs WHERE status = 'queued' AND available_at <= @now " +
        "      ORDER BY fair_seq, created_at, id LIMIT @lookahead)) AS head " +
        "  ORDER BY (SELECT COUNT(*) FROM ingest_jobs AS running " +
        "      WHERE running.sandbox_id = head.sandbox_id AND running.status = 'processing' AND running.lease_expires_at > @now) >= @cap, " +
        "    head.fair_seq, head.created_at, head.id LIMIT 1) " +
        $"RETURNING {JobColumns}";

    /// <inheritdoc/>
    protected override string ClaimStatement => Claim;
}
