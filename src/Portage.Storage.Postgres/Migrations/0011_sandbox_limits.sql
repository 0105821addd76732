-- A sandbox's spending and rate limits (issue 16), as the JSON of Protocol's SandboxLimits; NULL for none. Suspend,
-- reactivate and archive change the status column the sandbox always had.
ALTER TABLE sandboxes ADD COLUMN limits json;
