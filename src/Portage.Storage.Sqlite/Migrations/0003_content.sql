-- Retrievable content: ingest jobs, the chunks they produce (full-text indexed with FTS5, ranked by bm25), and the
-- per-window delivery ledger. Times are UTC ISO-8601 strings of one fixed format (see 0001).

-- Durable from the 202 on. A worker claims a job by setting status 'processing' and a lease; a job whose lease
-- expired (the worker died) is claimed again. available_at delays a retried job (backoff survives a restart).
CREATE TABLE ingest_jobs (
    id TEXT PRIMARY KEY,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id),
    data_source_id TEXT,
    project_id TEXT,
    end_user_id TEXT,
    text TEXT NOT NULL,
    source_type TEXT NOT NULL,
    file_path TEXT,
    occurred_at TEXT,
    speaker TEXT,
    participants TEXT,              -- JSON array of strings, or NULL
    status TEXT NOT NULL,
    retry_count INTEGER NOT NULL DEFAULT 0,
    error_message TEXT,
    result TEXT,                    -- JSON object, set on completion
    created_at TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT,
    available_at TEXT NOT NULL,
    lease_expires_at TEXT
);
CREATE INDEX ix_ingest_jobs_queue ON ingest_jobs(status, available_at, created_at);
CREATE INDEX ix_ingest_jobs_sandbox ON ingest_jobs(sandbox_id, created_at);

-- seq is the rowid the FTS index points at: an INTEGER PRIMARY KEY, so VACUUM never renumbers it.
CREATE TABLE chunks (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id),
    data_source_id TEXT,
    project_id TEXT,
    end_user_id TEXT,               -- set only for conversation memory: visible to this end user only
    canonical_path TEXT NOT NULL,   -- JSON array, root -> leaf (the leaf is id)
    breadcrumb TEXT NOT NULL,
    file_path TEXT,
    source_type TEXT NOT NULL,
    content TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    token_estimate INTEGER NOT NULL,
    job_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);
-- Identical content is indexed once per sandbox, data source and end user. IFNULL because UNIQUE treats NULLs as
-- distinct; the end user is part of the key so one end user's memory never suppresses another's.
CREATE UNIQUE INDEX ux_chunks_content ON chunks(sandbox_id, IFNULL(data_source_id, ''), IFNULL(end_user_id, ''), content_hash);
CREATE INDEX ix_chunks_source ON chunks(sandbox_id, data_source_id);
CREATE INDEX ix_chunks_job ON chunks(job_id);

-- External-content FTS5 over the chunk text, its breadcrumb and its file path; the triggers keep it in step with
-- chunks (deleting chunks, e.g. a purge, removes them from the index too). Porter stemming: "installing" finds
-- "install".
CREATE VIRTUAL TABLE chunks_fts USING fts5(
    content, breadcrumb, file_path,
    content = 'chunks', content_rowid = 'seq',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, content, breadcrumb, file_path) VALUES (new.seq, new.content, new.breadcrumb, new.file_path);
END;
CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, content, breadcrumb, file_path) VALUES ('delete', old.seq, old.content, old.breadcrumb, old.file_path);
END;
CREATE TRIGGER chunks_fts_update AFTER UPDATE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, content, breadcrumb, file_path) VALUES ('delete', old.seq, old.content, old.breadcrumb, old.file_path);
    INSERT INTO chunks_fts(rowid, content, breadcrumb, file_path) VALUES (new.seq, new.content, new.breadcrumb, new.file_path);
END;

-- The delivery ledger: what each window's agent already received, so retrieval never delivers it again.
CREATE TABLE deliveries (
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id),
    window_id TEXT NOT NULL,
    canonical_id TEXT NOT NULL,
    run_id TEXT,
    delivered_at TEXT NOT NULL,
    PRIMARY KEY (window_id, canonical_id)
);
