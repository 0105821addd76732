-- Rate limits (issue 16). An API key may carry its own runs and tokens a minute; rate_counters counts, per scope
-- ('sb:<sandbox>', 'eu:<sandbox>:<end user>', 'key:<key>') and UTC minute ('2025-03-14T09:26'), the runs started and
-- the tokens used, shared by every replica. sandbox_id names the sandbox a counter belongs to (NULL for a key's), for destroy.
ALTER TABLE api_keys ADD COLUMN requests_per_minute integer;
ALTER TABLE api_keys ADD COLUMN tokens_per_minute bigint;
CREATE TABLE rate_counters (
    scope text COLLATE "C" NOT NULL,
    at_minute text COLLATE "C" NOT NULL,
    sandbox_id text COLLATE "C",
    requests bigint NOT NULL DEFAULT 0,
    tokens bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, at_minute)
);
CREATE INDEX ix_rate_counters_sandbox ON rate_counters(sandbox_id);
