-- Spending budgets (issue 16). spend_ledger counts, per budget and period, the settled cost of runs (spent) and what
-- runs in progress hold (reserved); a run's reservation is one conditional UPDATE of its rows (the row lock makes it
-- exact across replicas). end_user_id is '' for the sandbox's own budget; period is 'd:2025-03-14', 'm:2025-03' or 'total'.
CREATE TABLE spend_ledger (
    sandbox_id text COLLATE "C" NOT NULL REFERENCES sandboxes(id),
    end_user_id text COLLATE "C" NOT NULL,
    period text COLLATE "C" NOT NULL,
    spent bigint NOT NULL DEFAULT 0,
    reserved bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (sandbox_id, end_user_id, period)
);
-- What each unsettled run holds, and until when: a run whose process died stops holding it at expires_at.
CREATE TABLE spend_reservations (
    run_id text COLLATE "C" PRIMARY KEY,
    sandbox_id text COLLATE "C" NOT NULL REFERENCES sandboxes(id),
    end_user_id text COLLATE "C" NOT NULL,
    amount bigint NOT NULL,
    sandbox_period text COLLATE "C",
    user_period text COLLATE "C",
    expires_at timestamptz NOT NULL,
    released integer NOT NULL DEFAULT 0
);
CREATE INDEX ix_spend_reservations_expiry ON spend_reservations(released, expires_at);
CREATE INDEX ix_spend_reservations_sandbox ON spend_reservations(sandbox_id);
-- An end user's own limits (PUT …/end-users/{id}/limits), the JSON of Protocol's EndUserLimits.
CREATE TABLE end_user_limits (
    sandbox_id text COLLATE "C" NOT NULL REFERENCES sandboxes(id),
    end_user_id text COLLATE "C" NOT NULL,
    limits json NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (sandbox_id, end_user_id)
);
-- Runs a budget refused (denied = 1, gate_mode enforce) or would have refused (denied = 0, shadow).
CREATE TABLE budget_denials (
    id text COLLATE "C" PRIMARY KEY,
    sandbox_id text COLLATE "C" NOT NULL REFERENCES sandboxes(id),
    end_user_id text COLLATE "C" NOT NULL,
    run_id text COLLATE "C" NOT NULL,
    at timestamptz NOT NULL,
    budget text NOT NULL,
    gate_mode text NOT NULL,
    denied integer NOT NULL,
    needed bigint NOT NULL,
    spent bigint NOT NULL,
    reserved bigint NOT NULL,
    limit_microcents bigint NOT NULL,
    period text NOT NULL
);
CREATE INDEX ix_budget_denials_sandbox ON budget_denials(sandbox_id, at);
