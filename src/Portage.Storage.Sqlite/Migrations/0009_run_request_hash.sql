-- Portage schema: a run remembers a fingerprint of the request that started it, so a retry that reuses an
-- idempotency key with a different body is refused (409 idempotency_key_reused) instead of joining the wrong run.
ALTER TABLE runs ADD COLUMN request_hash TEXT;
