-- Portage schema: a search reads only what it may return, and the shared-content check reads an index.
-- Before, MATCH found every chunk of every sandbox and end user with a query word, and SQL threw most of them away:
-- the cost of a run's prefetch grew with all the conversation memory a router ever stored. fts_scope holds
-- "zs {sandbox}" for content shared in a sandbox and "zu {sandbox} {end user}" for one end user's memory; a search
-- ANDs its words with the phrases it may see, and FTS5 skips through the (short) scope lists instead. bm25 counts a
-- row's tokens over all columns, so the few scope tokens can reorder near ties (weight 0: they never score).
ALTER TABLE chunks ADD COLUMN fts_scope TEXT GENERATED ALWAYS AS (
    CASE WHEN end_user_id IS NULL THEN 'zs ' || sandbox_id ELSE 'zu ' || sandbox_id || ' ' || end_user_id END) VIRTUAL;

DROP TRIGGER chunks_fts_insert;
DROP TRIGGER chunks_fts_delete;
DROP TRIGGER chunks_fts_update;
DROP TABLE chunks_fts;

CREATE VIRTUAL TABLE chunks_fts USING fts5(
    content, breadcrumb, file_path, fts_scope,
    content = 'chunks', content_rowid = 'seq',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild');

CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, content, breadcrumb, file_path, fts_scope) VALUES (new.seq, new.content, new.breadcrumb, new.file_path, new.fts_scope);
END;
CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, content, breadcrumb, file_path, fts_scope) VALUES ('delete', old.seq, old.content, old.breadcrumb, old.file_path, old.fts_scope);
END;
CREATE TRIGGER chunks_fts_update AFTER UPDATE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, content, breadcrumb, file_path, fts_scope) VALUES ('delete', old.seq, old.content, old.breadcrumb, old.file_path, old.fts_scope);
    INSERT INTO chunks_fts(rowid, content, breadcrumb, file_path, fts_scope) VALUES (new.seq, new.content, new.breadcrumb, new.file_path, new.fts_scope);
END;

-- "Does this sandbox have shared content?" (asked twice a run, to skip retrieval where there is nothing to find) read
-- every memory chunk of the sandbox before finding none: a run cost more the more conversations the sandbox held.
CREATE INDEX ix_chunks_shared ON chunks(sandbox_id) WHERE end_user_id IS NULL;
