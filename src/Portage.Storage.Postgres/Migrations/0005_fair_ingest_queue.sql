-- The ingest queue is served in turn across sandboxes (issue 17), and a run's memory is one job. fair_seq is a job's
-- place in the round, given when it is enqueued: a sandbox's k-th waiting job comes k places after the head of the
-- queue, so a sandbox that queued thousands of jobs no longer holds back another sandbox's next one. Jobs queued by
-- an older build keep 0 and go first, in their old order.
ALTER TABLE ingest_jobs ADD COLUMN fair_seq bigint NOT NULL DEFAULT 0;
-- Several turns of one conversation indexed by one job: a JSON array of {"speaker", "text"}; NULL for one text.
ALTER TABLE ingest_jobs ADD COLUMN turns jsonb;
-- The claim walks the waiting jobs in round order; the enqueue reads a sandbox's last place and the head of the queue.
DROP INDEX ix_ingest_jobs_queue;
CREATE INDEX ix_ingest_jobs_round ON ingest_jobs(status, fair_seq, created_at, id);
CREATE INDEX ix_ingest_jobs_sandbox_round ON ingest_jobs(sandbox_id, status, fair_seq);
