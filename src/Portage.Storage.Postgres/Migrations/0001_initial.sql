-- Portage schema v1 on PostgreSQL: the schema of the SQLite store (its migrations 0001–0004) in one step. Later
-- changes are new numbered files; PostgresDatabase applies each once, in its own transaction, under an advisory lock.
--
-- Conventions:
-- * Times are timestamptz (microseconds, UTC on the wire).
-- * Identifiers compare and sort bytewise (COLLATE "C"), as in SQLite, whatever the database's locale: cursors and
--   listings order the same on both stores.
-- * JSON that clients or providers gave us is kept verbatim (json: key order and numbers untouched, a provider's
--   transcript replays byte for byte); JSON the store computes on (run usage, job results) is jsonb.

CREATE TABLE accounts (
    id text COLLATE "C" PRIMARY KEY,
    created_at timestamptz NOT NULL
);

CREATE TABLE api_keys (
    id text COLLATE "C" PRIMARY KEY,
    account_id text COLLATE "C" NOT NULL REFERENCES accounts(id),
    name text NOT NULL,
    key_prefix text NOT NULL,
    key_hash text COLLATE "C" NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    last_used_at timestamptz,
    use_count bigint NOT NULL DEFAULT 0,
    revoked_at timestamptz
);
CREATE INDEX ix_api_keys_account ON api_keys(account_id);

CREATE TABLE sandboxes (
    id text COLLATE "C" PRIMARY KEY,
    account_id text COLLATE "C" NOT NULL REFERENCES accounts(id),
    owner_id text COLLATE "C" NOT NULL,
    name text NOT NULL,
    tier text NOT NULL,
    status text NOT NULL,
    metadata json,
    created_at timestamptz NOT NULL,
    CONSTRAINT ux_sandboxes_owner_name UNIQUE (owner_id, name)
);
CREATE INDEX ix_sandboxes_account ON sandboxes(account_id);

-- Every data source, durable and ephemeral (copass-compat §7.2); the ephemeral rows are the context windows. A run
-- holds a window through lease_run_id until lease_expires_at (rule 8).
CREATE TABLE data_sources (
    id text COLLATE "C" PRIMARY KEY,
    sandbox_id text COLLATE "C" NOT NULL REFERENCES sandboxes(id),
    kind text NOT NULL CHECK (kind IN ('durable', 'ephemeral')),
    provider text COLLATE "C" NOT NULL,
    name text NOT NULL,
    ingestion_mode text NOT NULL,
    status text NOT NULL,
    archived_reason text,
    end_user_id text COLLATE "C",
    external_account_id text,
    adapter_config json NOT NULL,
    poll_interval_seconds integer,
    project_id text COLLATE "C",
    -- Read-only on the API; written by adapters (webhooks, pulls) once Portage has them.
    webhook_url text,
    last_sync_at timestamptz,
    created_at timestamptz NOT NULL,
    last_active_at timestamptz NOT NULL,
    turn_count integer NOT NULL DEFAULT 0,
    lease_run_id text COLLATE "C",
    lease_expires_at timestamptz
);
CREATE INDEX ix_data_sources_end_user ON data_sources(sandbox_id, end_user_id, status, last_active_at);
-- The inactivity sweep looks at active ephemeral sources only.
CREATE INDEX ix_data_sources_sweep ON data_sources(kind, status, last_active_at);

-- Only ephemeral sources have turns (the column keeps its v1 name, as in SQLite).
CREATE TABLE turns (
    window_id text COLLATE "C" NOT NULL REFERENCES data_sources(id),
    seq bigint NOT NULL,
    role text NOT NULL,
    speaker text NOT NULL,
    provider text COLLATE "C",
    model text COLLATE "C",
    run_id text COLLATE "C",
    status text NOT NULL,
    created_at timestamptz NOT NULL,
    token_estimate integer NOT NULL,
    parts json NOT NULL,
    PRIMARY KEY (window_id, seq)
);

CREATE TABLE sessions (
    id text COLLATE "C" PRIMARY KEY,
    sandbox_id text COLLATE "C" NOT NULL REFERENCES sandboxes(id),
    end_user_id text COLLATE "C" NOT NULL,
    window_id text COLLATE "C" NOT NULL REFERENCES data_sources(id),
    provider text COLLATE "C" NOT NULL,
    model text COLLATE "C" NOT NULL,
    provider_session_id text COLLATE "C",
    transcript json NOT NULL,
    last_window_seq bigint NOT NULL,
    created_at timestamptz NOT NULL,
    last_active_at timestamptz NOT NULL
);
CREATE INDEX ix_sessions_window ON sessions(window_id, provider, model, last_active_at);
CREATE INDEX ix_sessions_provider_session ON sessions(provider_session_id) WHERE provider_session_id IS NOT NULL;

CREATE TABLE runs (
    id text COLLATE "C" PRIMARY KEY,
    sandbox_id text COLLATE "C" NOT NULL REFERENCES sandboxes(id),
    end_user_id text COLLATE "C" NOT NULL,
    window_id text COLLATE "C" NOT NULL REFERENCES data_sources(id),
    session_id text COLLATE "C" NOT NULL,
    provider text COLLATE "C" NOT NULL,
    model text COLLATE "C" NOT NULL,
    status text NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    stop_reason text,
    usage jsonb,
    error text
);
CREATE INDEX ix_runs_status ON runs(status);
CREATE INDEX ix_runs_window ON runs(window_id, started_at);
-- The console lists a sandbox's runs newest first (cursor on started_at, id) and sums usage by start time.
CREATE INDEX ix_runs_sandbox_started ON runs(sandbox_id, started_at, id);

-- Durable from the 202 on. A worker claims a job by setting status 'processing' and a lease; a job whose lease
-- expired (the worker died) is claimed again. available_at delays a retried job (backoff survives a restart).
CREATE TABLE ingest_jobs (
    id text COLLATE "C" PRIMARY KEY,
    sandbox_id text COLLATE "C" NOT NULL REFERENCES sandboxes(id),
    data_source_id text COLLATE "C",
    project_id text COLLATE "C",
    end_user_id text COLLATE "C",
    text text NOT NULL,
    source_type text NOT NULL,
    file_path text,
    occurred_at timestamptz,
    speaker text,
    participants text[],
    status text NOT NULL,
    retry_count integer NOT NULL DEFAULT 0,
    error_message text,
    result jsonb,
    created_at timestamptz NOT NULL,
    started_at timestamptz,
    completed_at timestamptz,
    available_at timestamptz NOT NULL,
    lease_expires_at timestamptz
);
CREATE INDEX ix_ingest_jobs_queue ON ingest_jobs(status, available_at, created_at);
CREATE INDEX ix_ingest_jobs_sandbox ON ingest_jobs(sandbox_id, created_at);

-- What the full-text index reads of a text: ASCII punctuation becomes a space before the parser sees it, so
-- "security.md", "docs/install.md", "set-up" or "v1.2" are words ("security", "md", …) as SQLite's unicode61
-- tokenizer makes them, not one host, file or version token that a search for "security" never finds.
CREATE FUNCTION search_text(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $fn$ SELECT translate(value, $p$!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~$p$, repeat(' ', 32)) $fn$;

-- seq orders equal ranks by insertion, as SQLite's rowid does. search is the English (stemmed) text vector: the
-- chunk text weighs most (A), then its breadcrumb (B) and file path (C), the weights of SQLite's bm25 columns.
CREATE TABLE chunks (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    sandbox_id text COLLATE "C" NOT NULL REFERENCES sandboxes(id),
    data_source_id text COLLATE "C",
    project_id text COLLATE "C",
    end_user_id text COLLATE "C",   -- set only for conversation memory: visible to this end user only
    canonical_path text[] NOT NULL, -- root -> leaf (the leaf is id)
    breadcrumb text NOT NULL,
    file_path text,
    source_type text NOT NULL,
    content text NOT NULL,
    content_hash text COLLATE "C" NOT NULL,
    token_estimate integer NOT NULL,
    job_id text COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL,
    search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', search_text(content)), 'A') ||
        setweight(to_tsvector('english', search_text(breadcrumb)), 'B') ||
        setweight(to_tsvector('english', search_text(coalesce(file_path, ''))), 'C')) STORED
);
-- Identical content is indexed once per sandbox, data source and end user. COALESCE because UNIQUE treats NULLs as
-- distinct; the end user is part of the key so one end user's memory never suppresses another's.
CREATE UNIQUE INDEX ux_chunks_content ON chunks(sandbox_id, COALESCE(data_source_id, ''), COALESCE(end_user_id, ''), content_hash);
CREATE INDEX ix_chunks_source ON chunks(sandbox_id, data_source_id);
CREATE INDEX ix_chunks_job ON chunks(job_id);
CREATE INDEX ix_chunks_search ON chunks USING gin (search);
-- get_origin finds chunks by any id on their path.
CREATE INDEX ix_chunks_path ON chunks USING gin (canonical_path);

-- The delivery ledger: what each window's agent already received, so retrieval never delivers it again.
CREATE TABLE deliveries (
    sandbox_id text COLLATE "C" NOT NULL REFERENCES sandboxes(id),
    window_id text COLLATE "C" NOT NULL,
    canonical_id text COLLATE "C" NOT NULL,
    run_id text COLLATE "C",
    delivered_at timestamptz NOT NULL,
    PRIMARY KEY (window_id, canonical_id)
);
