using Npgsql;
using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Core.Windows;
using Portage.Storage.Sql;

namespace Portage.Storage.Postgres;

// A run's start and end are each one round trip: their statements go as one batch, which PostgreSQL runs as one
// transaction (the batch has a single sync point: an error in any statement rolls back all of them). A statement that
// needs an earlier one's result reads it in SQL instead: a turn's number comes from the window row counted up by the
// same statement, the session's last turn from that row again.
public sealed partial class PostgresStore
{
    // A run whose row says it is no longer running (the orphan sweep or another replica ended it) changes nothing more.
    // Evaluated after the batch's second statement has locked the run row, so it cannot change meanwhile.
    private const string StillRunning = "NOT EXISTS (SELECT 1 FROM runs WHERE id = @ending AND status <> 'running')";

    /// <inheritdoc/>
    public override async Task<IReadOnlyList<long>> StartRunAsync(RunStart start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        var run = start.Run;
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        if (start.TakeLease is { } take)
        {
            // First, so that the window row is locked before anything else of the start (as a run's end and the orphan
            // sweep lock it): a lease not taken fails the whole batch.
            var lease = TakeLeaseStatement(run.WindowId, run.Id, take);
            Add(batch, lease with
            {
                Sql = $"WITH taken AS ({lease.Sql} RETURNING 1) SELECT portage_window_changed(@id) WHERE NOT EXISTS (SELECT 1 FROM taken)",
            });
        }

        foreach (var statement in StartStatements(start))
        {
            Add(batch, statement);
        }

        foreach (var turn in start.UserTurns)
        {
            Add(batch, AppendTurnStatement(run.WindowId, turn, "", ""));
        }

        try
        {
            return (await ReadResultsAsync(batch, cancellationToken)).Seqs;
        }
        catch (PostgresException ex) when (IsDuplicateKey(ex, run))
        {
            throw new DuplicateIdempotencyKeyException(run.IdempotencyKey!, ex);
        }
        catch (PostgresException ex) when (ex.SqlState == WindowChanged)
        {
            throw new WindowChangedException(run.WindowId);
        }
    }

    // Raised by portage_window_changed (migration 0017).
    private const string WindowChanged = "PW409";

    /// <inheritdoc/>
    public override async Task<long> EndRunAsync(RunEnd end, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(end);
        if (end.Memory is not null && end.MemoryChunks is null)
        {
            // Chunking failed: the job is stored queued, for a worker (rare; the statements one at a time).
            return await base.EndRunAsync(end, cancellationToken);
        }

        var scope = end.Scope;
        var ending = ("@ending", (object?)scope.RunId);
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        // Window row, then run row, as the orphan sweep locks them; NO KEY UPDATE so the event log's inserts (which
        // check their run's key) do not wait for the end.
        Add(batch, new SqlStatement(LockWindow, ("@window", scope.WindowId)));
        Add(batch, new SqlStatement(RunStatusLocked, ("@id", scope.RunId), ("@sandbox", scope.SandboxId)));
        // The window's lease goes with the run's turn: one update of its row.
        Add(batch, AppendTurnStatement(scope.WindowId, end.AssistantTurn,
            ", lease_run_id = NULLIF(lease_run_id, @ending), lease_expires_at = CASE WHEN lease_run_id = @ending THEN NULL ELSE lease_expires_at END",
            $" AND {StillRunning}", ending));
        foreach (var statement in EndSessionStatements(end, "(SELECT turn_count FROM data_sources WHERE id = @window)", $" AND {StillRunning}",
            ("@window", scope.WindowId), ending))
        {
            Add(batch, statement);
        }

        if (end is { Memory: { } memory, MemoryChunks: { } indexed })
        {
            if (indexed.Chunks.Count > 0)
            {
                Add(batch, InsertChunksStatement(indexed.Chunks, ending));
            }

            // The job's chunks are those of this batch that were new: its id is new too.
            Add(batch, InsertCompletedJobStatement(memory, indexed, end.FinishedAt, "(SELECT count(*) FROM chunks WHERE job_id = @id)",
                $" WHERE {StillRunning}", ending));
        }

        Add(batch, EndRunStatement(end));
        var (status, seqs) = await ReadResultsAsync(batch, cancellationToken);
        if (status is { } ended && ended != RunStatus.Running)
        {
            throw new RunAlreadyEndedException(scope.RunId, ended);
        }

        return seqs.Single();
    }

    // The memory's chunks as one statement, a row each (parameters @id_0, @sandbox_0, …); a chunk already indexed, or
    // repeated within these, adds nothing.
    private SqlStatement InsertChunksStatement(IReadOnlyList<Core.Retrieval.ChunkRecord> chunks, (string Name, object? Value) ending)
    {
        var rows = new List<string>(chunks.Count);
        var parameters = new List<(string Name, object? Value)>(chunks.Count * ChunkParameters.Count + 1) { ending };
        for (var row = 0; row < chunks.Count; row++)
        {
            var values = ChunkValues(chunks[row]);
            rows.Add("(" + string.Join(", ", ChunkParameters.Select(name => $"{name}_{row}")) + ")");
            parameters.AddRange(ChunkParameters.Select((name, i) => ($"{name}_{row}", values[i])));
        }

        return new SqlStatement($"INSERT INTO {ChunkInto}SELECT * FROM (VALUES {string.Join(", ", rows)}) AS chunk WHERE {StillRunning} ON CONFLICT DO NOTHING",
            [.. parameters]);
    }

    // Appends a turn: the window row's count goes up and names the turn (concurrent appenders, any process, queue on the
    // row lock and get consecutive numbers). `set` adds to the window row's update, `onlyIf` to its condition.
    private SqlStatement AppendTurnStatement(string windowId, NewTurn turn, string set, string onlyIf, params (string Name, object? Value)[] more)
    {
        var insert = InsertTurnStatement(windowId, turn, "counted.turn_count", " FROM counted RETURNING seq", more);
        return insert with
        {
            Sql = $"WITH counted AS (UPDATE data_sources SET turn_count = turn_count + 1, last_active_at = @at{set} WHERE id = @window{onlyIf} " +
                $"RETURNING turn_count) {insert.Sql}",
        };
    }

    /// <inheritdoc/>
    public override async Task AppendRunEventsAsync(IReadOnlyList<RunFrames> batch, CancellationToken cancellationToken)
    {
        var rows = FrameRows(batch);
        if (rows.Count == 0)
        {
            return;
        }

        // One statement for the batch, a row per run in it: the frames arrive in batches from the event log's writer.
        await using var db = await WriteAsync(cancellationToken);
        await db.ExecuteAsync(
            "INSERT INTO run_frames (run_id, last_seq, frame_count, frames) SELECT * FROM unnest(@runs, @lasts, @counts, @frames) ON CONFLICT DO NOTHING",
            cancellationToken, ("@runs", rows.Select(r => r.RunId).ToArray()), ("@lasts", rows.Select(r => r.LastSeq).ToArray()),
            ("@counts", rows.Select(r => r.Count).ToArray()), ("@frames", rows.Select(r => r.Frames).ToArray()));
    }

    private static void Add(NpgsqlBatch batch, SqlStatement statement)
    {
        var command = new NpgsqlBatchCommand(statement.Sql);
        foreach (var (name, value) in statement.Parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        batch.BatchCommands.Add(command);
    }

    // Reads every result of the batch, so an error in any statement surfaces here: the status of the run row and the
    // numbers of the turns appended, in order.
    private static async Task<(string? Status, List<long> Seqs)> ReadResultsAsync(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        string? status = null;
        var seqs = new List<long>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            if (reader.FieldCount != 1)
            {
                continue;
            }

            var column = reader.GetName(0);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (column == "status")
                {
                    status = reader.GetString(0);
                }
                else if (column == "seq")
                {
                    seqs.Add(reader.GetInt64(0));
                }
            }
        }
        while (await reader.NextResultAsync(cancellationToken));

        return (status, seqs);
    }
}
