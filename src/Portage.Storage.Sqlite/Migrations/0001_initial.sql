-- Portage schema v1. Times are UTC ISO-8601 strings of one fixed format, so text comparison orders them.
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    key_prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    last_used_at TEXT,
    use_count INTEGER NOT NULL DEFAULT 0,
    revoked_at TEXT
);

CREATE TABLE sandboxes (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    owner_id TEXT NOT NULL,
    name TEXT NOT NULL,
    tier TEXT NOT NULL,
    status TEXT NOT NULL,
    metadata TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (owner_id, name)
);
CREATE INDEX ix_sandboxes_account ON sandboxes(account_id);

CREATE TABLE windows (
    id TEXT PRIMARY KEY,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id),
    end_user_id TEXT,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    archived_reason TEXT,
    created_at TEXT NOT NULL,
    last_active_at TEXT NOT NULL,
    turn_count INTEGER NOT NULL DEFAULT 0,
    lease_run_id TEXT,
    lease_expires_at TEXT
);
CREATE INDEX ix_windows_end_user ON windows(sandbox_id, end_user_id, status, last_active_at);

CREATE TABLE turns (
    window_id TEXT NOT NULL REFERENCES windows(id),
    seq INTEGER NOT NULL,
    role TEXT NOT NULL,
    speaker TEXT NOT NULL,
    provider TEXT,
    model TEXT,
    run_id TEXT,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    token_estimate INTEGER NOT NULL,
    parts TEXT NOT NULL,
    PRIMARY KEY (window_id, seq)
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id),
    end_user_id TEXT NOT NULL,
    window_id TEXT NOT NULL REFERENCES windows(id),
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    provider_session_id TEXT,
    transcript TEXT NOT NULL,
    last_window_seq INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    last_active_at TEXT NOT NULL
);
CREATE INDEX ix_sessions_window ON sessions(window_id, provider, model, last_active_at);

CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id),
    end_user_id TEXT NOT NULL,
    window_id TEXT NOT NULL REFERENCES windows(id),
    session_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    stop_reason TEXT,
    usage TEXT,
    error TEXT
);
CREATE INDEX ix_runs_status ON runs(status);
CREATE INDEX ix_runs_window ON runs(window_id, started_at);
