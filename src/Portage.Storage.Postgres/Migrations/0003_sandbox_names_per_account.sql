-- A sandbox's (owner_id, name) is unique per account (copass-compat §7.1), not across all accounts: with one global
-- constraint an account could learn another account's sandbox names (409 sandbox_exists) and take a name first.
ALTER TABLE sandboxes DROP CONSTRAINT ux_sandboxes_owner_name;
ALTER TABLE sandboxes ADD CONSTRAINT ux_sandboxes_owner_name UNIQUE (account_id, owner_id, name);
