-- Portage schema v5: resumable runs. Every frame of a run is kept in order, so a client that lost its connection can
-- read what it missed; an idempotency key lets a retried request join the run it already started.
CREATE TABLE run_events (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
ALTER TABLE runs ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX ux_runs_idempotency ON runs(sandbox_id, end_user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
