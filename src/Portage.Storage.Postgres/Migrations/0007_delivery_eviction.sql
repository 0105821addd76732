-- A delivery whose content a compaction summarised away is marked evicted: retrieval may deliver it again (the agent
-- no longer has it), and the ledger still shows that it was delivered once.
ALTER TABLE deliveries ADD COLUMN evicted_at timestamptz;
