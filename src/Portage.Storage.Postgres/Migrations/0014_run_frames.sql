-- A run's event log as a row per run and write of the log (issue 14), not a row per frame: a row per frame cost a
-- tuple, an index entry and a foreign-key check per frame, about fifty a run. frames holds the frames of that write,
-- each as a header line "{seq} {event bytes} {data bytes}\n" followed by the event name and the data (UTF-8); the row's
-- key is its last frame, so a write sent again is ignored. The logs already stored move over as a row per frame.
CREATE TABLE run_frames (
    run_id text COLLATE "C" NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    last_seq bigint NOT NULL,
    frame_count integer NOT NULL,
    frames bytea NOT NULL,
    PRIMARY KEY (run_id, last_seq)
);
INSERT INTO run_frames (run_id, last_seq, frame_count, frames)
SELECT run_id, seq, 1,
       convert_to(seq || ' ' || octet_length(convert_to(event, 'UTF8')) || ' ' || octet_length(convert_to(data, 'UTF8')) || E'\n' || event || data, 'UTF8')
FROM run_events;
DROP TABLE run_events;
