-- Portage schema: rate limits (issue 16). An API key may carry its own runs and tokens a minute; rate_counters counts,
-- per scope ('sb:<sandbox>', 'eu:<sandbox>:<end user>', 'key:<key>') and UTC minute ('2025-03-14T09:26'), the runs
-- started and the tokens used. sandbox_id names the sandbox a counter belongs to (NULL for a key's), for destroy.
ALTER TABLE api_keys ADD COLUMN requests_per_minute INTEGER;
ALTER TABLE api_keys ADD COLUMN tokens_per_minute INTEGER;
CREATE TABLE rate_counters (
    scope TEXT NOT NULL,
    at_minute TEXT NOT NULL,
    sandbox_id TEXT,
    requests INTEGER NOT NULL DEFAULT 0,
    tokens INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, at_minute)
);
CREATE INDEX ix_rate_counters_sandbox ON rate_counters(sandbox_id);
