-- Portage schema: spending budgets (issue 16). spend_ledger counts, per budget and period, the settled cost of runs
-- (spent) and what runs in progress hold (reserved); a run's reservation is one conditional update of its rows.
-- end_user_id is '' for the sandbox's own budget; period is 'd:2025-03-14', 'm:2025-03' or 'total'.
CREATE TABLE spend_ledger (
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id),
    end_user_id TEXT NOT NULL,
    period TEXT NOT NULL,
    spent INTEGER NOT NULL DEFAULT 0,
    reserved INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sandbox_id, end_user_id, period)
);
-- What each unsettled run holds, and until when: a run whose process died stops holding it at expires_at.
CREATE TABLE spend_reservations (
    run_id TEXT PRIMARY KEY,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id),
    end_user_id TEXT NOT NULL,
    amount INTEGER NOT NULL,
    sandbox_period TEXT,
    user_period TEXT,
    expires_at TEXT NOT NULL,
    released INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_spend_reservations_expiry ON spend_reservations(released, expires_at);
CREATE INDEX ix_spend_reservations_sandbox ON spend_reservations(sandbox_id);
-- An end user's own limits (PUT …/end-users/{id}/limits), the JSON of Protocol's EndUserLimits.
CREATE TABLE end_user_limits (
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id),
    end_user_id TEXT NOT NULL,
    limits TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (sandbox_id, end_user_id)
);
-- Runs a budget refused (denied = 1, gate_mode enforce) or would have refused (denied = 0, shadow).
CREATE TABLE budget_denials (
    id TEXT PRIMARY KEY,
    sandbox_id TEXT NOT NULL REFERENCES sandboxes(id),
    end_user_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    at TEXT NOT NULL,
    budget TEXT NOT NULL,
    gate_mode TEXT NOT NULL,
    denied INTEGER NOT NULL,
    needed INTEGER NOT NULL,
    spent INTEGER NOT NULL,
    reserved INTEGER NOT NULL,
    limit_microcents INTEGER NOT NULL,
    period TEXT NOT NULL
);
CREATE INDEX ix_budget_denials_sandbox ON budget_denials(sandbox_id, at);
