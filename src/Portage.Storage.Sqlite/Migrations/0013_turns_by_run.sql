-- A run's turns by its id: its answer (GET …/agents/runs: output_text) and a response's output (GET /v1/responses/{id})
-- are found without reading the run's window from the end.
CREATE INDEX ix_turns_run ON turns(run_id) WHERE run_id IS NOT NULL;
