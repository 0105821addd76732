-- Portage schema: a session's transcript grows by a row a run (issue 14). sessions.transcript is rewritten only when
-- a run does not replay it unchanged (a new session, a compaction, a trimmed or caller-sent history); a run that
-- continues it appends the messages it added here, instead of rewriting the whole transcript (tens of kilobytes in a
-- long conversation) at every turn. The transcript is sessions.transcript followed by these rows, in seq order.
CREATE TABLE session_messages (
    seq INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    messages TEXT NOT NULL
);
CREATE INDEX ix_session_messages ON session_messages(session_id, seq);
