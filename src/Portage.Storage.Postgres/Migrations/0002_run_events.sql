-- Resumable runs: every frame of a run, in order, so a client that lost its connection (or moved to another
-- replica) reads what it missed; an idempotency key lets a retried request join the run it already started.
CREATE TABLE run_events (
    run_id text COLLATE "C" NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq bigint NOT NULL,
    event text NOT NULL,
    data text NOT NULL,
    PRIMARY KEY (run_id, seq)
);
ALTER TABLE runs ADD COLUMN idempotency_key text COLLATE "C";
CREATE UNIQUE INDEX ux_runs_idempotency ON runs(sandbox_id, end_user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Retention deletes the logs of runs that ended long ago.
CREATE INDEX ix_runs_finished ON runs(finished_at) WHERE status <> 'running';
