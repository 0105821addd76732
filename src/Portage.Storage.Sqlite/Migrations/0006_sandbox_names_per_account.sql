-- Portage schema v6: a sandbox's (owner_id, name) is unique per account (copass-compat §7.1), not across all accounts:
-- with one global constraint, an account could learn another account's sandbox names (409 sandbox_exists when it named
-- their owner id) and take a name before its owner did. SQLite cannot drop a table constraint, so the table is rebuilt
-- (foreign keys are off during migrations; the children's references name the table and follow the rename).
CREATE TABLE sandboxes_v6 (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    owner_id TEXT NOT NULL,
    name TEXT NOT NULL,
    tier TEXT NOT NULL,
    status TEXT NOT NULL,
    metadata TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, owner_id, name)
);
INSERT INTO sandboxes_v6 (id, account_id, owner_id, name, tier, status, metadata, created_at)
    SELECT id, account_id, owner_id, name, tier, status, metadata, created_at FROM sandboxes;
DROP TABLE sandboxes;
ALTER TABLE sandboxes_v6 RENAME TO sandboxes;
CREATE INDEX ix_sandboxes_account ON sandboxes(account_id);
