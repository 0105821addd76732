-- A run's answer (GET …/agents/runs: output_text) is its assistant turn: find it by run id instead of reading its
-- window's turns from the end.
CREATE INDEX ix_turns_run ON turns(run_id) WHERE run_id IS NOT NULL;
