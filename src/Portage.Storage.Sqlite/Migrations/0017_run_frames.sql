-- Portage schema: a run's event log as a row per run and write of the log (issue 14), not a row per frame. frames holds
-- the frames of that write, each as a header line "{seq} {event bytes} {data bytes}\n" followed by the event name and
-- the data (UTF-8); the row's key is its last frame, so a write sent again is ignored. A rowid table, not WITHOUT
-- ROWID: a row is kilobytes, and SQLite keeps large rows best in a table B-tree (at 64 streams in flight, 1.48 ms
-- of CPU a stream in two runs against 1.66–2.08 WITHOUT ROWID). The logs already stored move over as a row per frame.
CREATE TABLE run_frames (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    last_seq INTEGER NOT NULL,
    frame_count INTEGER NOT NULL,
    frames BLOB NOT NULL,
    PRIMARY KEY (run_id, last_seq)
);
INSERT INTO run_frames (run_id, last_seq, frame_count, frames)
SELECT run_id, seq, 1,
       CAST(seq || ' ' || length(CAST(event AS BLOB)) || ' ' || length(CAST(data AS BLOB)) || char(10) || event || data AS BLOB)
FROM run_events;
DROP TABLE run_events;
