-- Every run without a session id looks up its end user's active window. ix_data_sources_end_user serves that lookup,
-- but a database whose statistics lag its growth (a new deployment under load) let the planner pick
-- ix_data_sources_sweep instead and read every active window of every sandbox (3,000 buffers a run at 5,000 windows,
-- half of PostgreSQL's CPU in the benchmark). This index matches the lookup exactly (its filter, its order, LIMIT 1),
-- so it wins whatever the statistics say.
CREATE INDEX ix_data_sources_active_window ON data_sources (sandbox_id, end_user_id, last_active_at DESC, created_at DESC)
    WHERE kind = 'ephemeral' AND status = 'active';
