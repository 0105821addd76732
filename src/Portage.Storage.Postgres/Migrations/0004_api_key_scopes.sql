-- An API key has a scope, 'admin' (everything) or 'runs' (runs, retrieval, ingest, sources; no keys or sandboxes), so a
-- key handed to a backend cannot manage keys. Keys from before scopes become admin: their owners keep every right they
-- had. The store always writes the scope; the default is for the rows already here.
ALTER TABLE api_keys ADD COLUMN scope text NOT NULL DEFAULT 'admin' CONSTRAINT ck_api_keys_scope CHECK (scope IN ('admin', 'runs'));
