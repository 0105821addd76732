-- A run's start takes its window's lease in the same batch as its other statements (issue 14: one write a continuing
-- run fewer). The batch runs as one transaction, so the lease statement fails it when it changed no row: this raises
-- the error the store turns into WindowChangedException, and nothing of the start is written.
CREATE FUNCTION portage_window_changed(window_id text) RETURNS void
    LANGUAGE plpgsql
    AS $fn$ BEGIN RAISE EXCEPTION 'context window % was leased or changed since the run read it', window_id USING ERRCODE = 'PW409'; END $fn$;
