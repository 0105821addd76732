-- Portage schema v2: one table for every data source (copass-compat §7.2). The context windows of v1 are its
-- ephemeral rows, so durable and ephemeral sources share one id space, one API and one set of statuses.
-- The rename keeps every v1 row; SQLite re-points the foreign keys of turns, sessions and runs (still named
-- window_id: only ephemeral sources have turns) at the renamed table.
ALTER TABLE windows RENAME TO data_sources;

-- Rows from v1 are windows; new rows always name their kind (the API's default is durable).
ALTER TABLE data_sources ADD COLUMN kind TEXT NOT NULL DEFAULT 'durable' CHECK (kind IN ('durable', 'ephemeral'));
UPDATE data_sources SET kind = 'ephemeral';

ALTER TABLE data_sources ADD COLUMN provider TEXT NOT NULL DEFAULT 'custom';
ALTER TABLE data_sources ADD COLUMN ingestion_mode TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE data_sources ADD COLUMN external_account_id TEXT;
-- A JSON object, as text.
ALTER TABLE data_sources ADD COLUMN adapter_config TEXT NOT NULL DEFAULT '{}';
ALTER TABLE data_sources ADD COLUMN poll_interval_seconds INTEGER;
ALTER TABLE data_sources ADD COLUMN project_id TEXT;
-- Read-only on the API; written by adapters (webhooks, pulls) once Portage has them.
ALTER TABLE data_sources ADD COLUMN webhook_url TEXT;
ALTER TABLE data_sources ADD COLUMN last_sync_at TEXT;

DROP INDEX ix_windows_end_user;
CREATE INDEX ix_data_sources_end_user ON data_sources(sandbox_id, end_user_id, status, last_active_at);
-- The inactivity sweep looks at active ephemeral sources only.
CREATE INDEX ix_data_sources_sweep ON data_sources(kind, status, last_active_at);
