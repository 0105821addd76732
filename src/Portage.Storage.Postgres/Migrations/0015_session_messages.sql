-- A session's transcript grows by a row a run (issue 14). sessions.transcript is rewritten only when a run does not
-- replay it unchanged (a new session, a compaction, a trimmed or caller-sent history); a run that continues it appends
-- the messages it added here, instead of rewriting the whole transcript (tens of kilobytes in a long conversation) at
-- every turn. The transcript is sessions.transcript followed by these rows, in seq order. text, not json: the rows are
-- written by Portage's serializer and only ever read back whole.
CREATE TABLE session_messages (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id text COLLATE "C" NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    messages text NOT NULL
);
CREATE INDEX ix_session_messages ON session_messages(session_id, seq);
