-- Portage schema: the OpenAI Responses API (POST /v1/responses). A response is a run; this keeps what a run does not:
-- the request's instructions, the response it continued and its metadata (written with the run's start), and when
-- the response was deleted (DELETE /v1/responses/{id}: the run and its turns stay, the response answers 404).
-- A run not started through /v1/responses has a row only once deleted.
CREATE TABLE responses (
    run_id text COLLATE "C" PRIMARY KEY,
    sandbox_id text COLLATE "C" NOT NULL REFERENCES sandboxes(id),
    instructions text,
    previous_response_id text COLLATE "C",
    metadata text,
    deleted_at timestamptz
);
