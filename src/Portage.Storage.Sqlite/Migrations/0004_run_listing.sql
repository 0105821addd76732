-- Portage schema v4: the console lists a sandbox's runs newest first (cursor on started_at, id) and sums usage by
-- start time across sandboxes.
CREATE INDEX ix_runs_sandbox_started ON runs(sandbox_id, started_at, id);
