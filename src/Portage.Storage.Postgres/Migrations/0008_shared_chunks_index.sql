-- "Does this sandbox have shared content?" (asked twice a run, to skip retrieval where there is nothing to find) read
-- every memory chunk of the sandbox before finding none: a run cost more the more conversations the sandbox held.
CREATE INDEX ix_chunks_shared ON chunks(sandbox_id) WHERE end_user_id IS NULL;
