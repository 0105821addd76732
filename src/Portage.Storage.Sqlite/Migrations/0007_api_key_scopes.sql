-- Portage schema v7: an API key has a scope, 'admin' (everything) or 'runs' (runs, retrieval, ingest, sources; no keys
-- or sandboxes), so a key handed to a backend cannot manage keys. Keys from before scopes become admin: their owners
-- keep every right they had. The store always writes the scope; the default is for the rows already here. The account
-- index serves the key list and the last-admin-key check of a revocation.
ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'admin' CHECK (scope IN ('admin', 'runs'));
CREATE INDEX ix_api_keys_account ON api_keys(account_id);
