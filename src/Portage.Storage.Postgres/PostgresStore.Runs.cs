using Npgsql;
using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Core.Windows;

namespace Portage.Storage.Postgres;

public sealed partial class PostgresStore : IRunStore
{
    // A running run whose window lease is no longer its own and unexpired: its process stopped renewing it.
    private const string LeaseGone = "(w.lease_run_id IS NULL OR w.lease_run_id <> r.id OR w.lease_expires_at <= @now)";

    private const string RunColumns =
        "id, sandbox_id, end_user_id, window_id, session_id, provider, model, status, started_at, finished_at, stop_reason, usage, error, idempotency_key, request_hash";

    /// <inheritdoc/>
    public async Task<IReadOnlyList<long>> StartRunAsync(RunStart start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        var run = start.Run;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (start.NewWindow is { } window)
        {
            await InsertWindowAsync(connection, window, run.Id, start.LeaseExpiresAt, cancellationToken);
        }

        try
        {
            await Sql.ExecuteAsync(connection,
                $"INSERT INTO runs ({RunColumns}) VALUES (@id, @sandbox, @user, @window, @session, @provider, @model, @status, @started, NULL, NULL, NULL, NULL, @key, @hash)",
                cancellationToken,
                ("@id", run.Id), ("@sandbox", run.SandboxId), ("@user", run.EndUserId), ("@window", run.WindowId), ("@session", run.SessionId),
                ("@provider", run.Provider), ("@model", run.Model), ("@status", run.Status), ("@started", Sql.Time(run.StartedAt)), ("@key", run.IdempotencyKey),
                ("@hash", run.RequestFingerprint));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "ux_runs_idempotency" && run.IdempotencyKey is not null)
        {
            throw new DuplicateIdempotencyKeyException(run.IdempotencyKey, ex);
        }

        if (start.NewSession is { } s)
        {
            await Sql.ExecuteAsync(connection,
                $"INSERT INTO sessions ({SessionColumns}) VALUES (@id, @sandbox, @user, @window, @provider, @model, @native, @transcript::json, @seq, @created, @active)",
                cancellationToken,
                ("@id", s.Id), ("@sandbox", s.SandboxId), ("@user", s.EndUserId), ("@window", s.WindowId), ("@provider", s.Provider), ("@model", s.Model),
                ("@native", s.ProviderSessionId), ("@transcript", s.TranscriptJson), ("@seq", s.LastWindowSeq), ("@created", Sql.Time(s.CreatedAt)),
                ("@active", Sql.Time(s.LastActiveAt)));
        }

        var seqs = new List<long>(start.UserTurns.Count);
        foreach (var turn in start.UserTurns)
        {
            seqs.Add(await AppendTurnAsync(connection, run.WindowId, turn, cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
        return seqs;
    }

    /// <inheritdoc/>
    public async Task<long> EndRunAsync(RunEnd end, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(end);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Window row, then run row, as the orphan sweep locks them: whichever of the two comes second sees the other's outcome.
        await Sql.ExecuteAsync(connection, "SELECT 1 FROM data_sources WHERE id = @id FOR NO KEY UPDATE", cancellationToken, ("@id", end.Scope.WindowId));
        var status = await Sql.QueryAsync(connection, "SELECT status FROM runs WHERE id = @id AND sandbox_id = @sandbox FOR UPDATE",
            r => r.GetString(0), cancellationToken, ("@id", end.Scope.RunId), ("@sandbox", end.Scope.SandboxId));
        if (status.Count == 1 && status[0] != RunStatus.Running)
        {
            throw new RunAlreadyEndedException(end.Scope.RunId, status[0]);
        }

        var seq = await AppendTurnAsync(connection, end.Scope.WindowId, end.AssistantTurn, cancellationToken);
        await Sql.ExecuteAsync(connection,
            "UPDATE sessions SET transcript = @transcript::json, model = @model, last_window_seq = @seq, " +
            "provider_session_id = COALESCE(@native, provider_session_id), last_active_at = @at WHERE id = @id AND sandbox_id = @sandbox",
            cancellationToken,
            ("@transcript", end.TranscriptJson), ("@model", end.SessionModel), ("@seq", seq), ("@native", end.ProviderSessionId), ("@at", Sql.Time(end.FinishedAt)),
            ("@id", end.Scope.SessionId), ("@sandbox", end.Scope.SandboxId));
        await Sql.ExecuteAsync(connection,
            "UPDATE runs SET status = @status, finished_at = @at, stop_reason = @stop, usage = @usage::jsonb, error = @error WHERE id = @id AND sandbox_id = @sandbox",
            cancellationToken,
            ("@status", end.Status), ("@at", Sql.Time(end.FinishedAt)), ("@stop", end.StopReason), ("@usage", end.UsageJson), ("@error", end.Error),
            ("@id", end.Scope.RunId), ("@sandbox", end.Scope.SandboxId));
        await ReleaseLeaseAsync(connection, end.Scope.WindowId, end.Scope.RunId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return seq;
    }

    /// <inheritdoc/>
    public async Task<RunRecord?> GetRunAsync(string sandboxId, string runId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection, $"SELECT {RunColumns} FROM runs WHERE id = @id AND sandbox_id = @sandbox",
            ReadRun, cancellationToken, ("@id", runId), ("@sandbox", sandboxId));
        return rows.FirstOrDefault();
    }

    /// <inheritdoc/>
    public async Task<int> InterruptOrphanedRunsAsync(DateTimeOffset now, bool allRunning, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var sql = allRunning
            ? $"SELECT {RunColumns} FROM runs WHERE status = 'running' ORDER BY started_at, id"
            : $"SELECT {Prefixed("r.", RunColumns)} FROM runs r JOIN data_sources w ON w.id = r.window_id " +
              $"WHERE r.status = 'running' AND {LeaseGone} ORDER BY r.started_at, r.id";
        var candidates = await Sql.QueryAsync(connection, sql, ReadRun, cancellationToken, ("@now", Sql.Time(now)));
        var interrupted = 0;
        foreach (var run in candidates)
        {
            // Window row, then run row: the order EndRunAsync locks them in, so a run ending meanwhile (another process on
            // this database) is waited for, never deadlocked with, and then no longer counts as running.
            await Sql.ExecuteAsync(connection, "SELECT 1 FROM data_sources WHERE id = @id FOR NO KEY UPDATE", cancellationToken, ("@id", run.WindowId));
            // Checked again under the locks: the run may have ended, or (replicas) renewed its lease, meanwhile.
            var still = await Sql.QueryAsync(connection,
                allRunning
                    ? "SELECT 1 FROM runs WHERE id = @id AND status = 'running' FOR UPDATE"
                    : $"SELECT 1 FROM runs r JOIN data_sources w ON w.id = r.window_id WHERE r.id = @id AND r.status = 'running' AND {LeaseGone} FOR UPDATE OF r",
                r => 1, cancellationToken, ("@id", run.Id), ("@now", Sql.Time(now)));
            if (still.Count == 0)
            {
                continue;
            }

            // An empty assistant turn marks the outcome in the window, so the log shows where the crash happened; the
            // session is not advanced, so its next turn catches up on the user turn as a window gap (rule 4).
            await AppendTurnAsync(connection, run.WindowId,
                new NewTurn(TurnRole.Assistant, $"{run.Provider}/{run.Model}", run.Provider, run.Model, run.Id, RunStatus.Interrupted, now, 0, []),
                cancellationToken);
            await Sql.ExecuteAsync(connection, "UPDATE runs SET status = 'interrupted', finished_at = @at, error = @error WHERE id = @id",
                cancellationToken, ("@at", Sql.Time(now)), ("@error", "The server stopped while the run was in progress."), ("@id", run.Id));
            await ReleaseLeaseAsync(connection, run.WindowId, run.Id, cancellationToken);
            interrupted++;
        }

        await transaction.CommitAsync(cancellationToken);
        return interrupted;
    }

    /// <inheritdoc/>
    public async Task<RunRecord?> FindRunByIdempotencyKeyAsync(string sandboxId, string endUserId, string idempotencyKey, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection,
            $"SELECT {RunColumns} FROM runs WHERE sandbox_id = @sandbox AND end_user_id = @user AND idempotency_key = @key",
            ReadRun, cancellationToken, ("@sandbox", sandboxId), ("@user", endUserId), ("@key", idempotencyKey));
        return rows.FirstOrDefault();
    }

    /// <inheritdoc/>
    public async Task AppendRunEventsAsync(string runId, IReadOnlyList<RunEventRecord> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        // One statement for the batch: the frames arrive in batches from the event log's writer.
        await using var connection = await database.OpenAsync(cancellationToken);
        await Sql.ExecuteAsync(connection,
            "INSERT INTO run_events (run_id, seq, event, data) SELECT @run, * FROM unnest(@seqs, @events, @datas) ON CONFLICT DO NOTHING",
            cancellationToken, ("@run", runId), ("@seqs", events.Select(e => e.Seq).ToArray()), ("@events", events.Select(e => e.Event).ToArray()),
            ("@datas", events.Select(e => e.Data).ToArray()));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<RunEventRecord>> ListRunEventsAsync(string runId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.QueryAsync(connection, "SELECT seq, event, data FROM run_events WHERE run_id = @run AND seq > @after ORDER BY seq LIMIT @limit",
            r => new RunEventRecord(r.GetInt64(0), r.GetString(1), r.GetString(2)), cancellationToken,
            ("@run", runId), ("@after", afterSeq), ("@limit", limit));
    }

    /// <inheritdoc/>
    public async Task<long> DeleteRunEventsAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.ExecuteAsync(connection,
            "DELETE FROM run_events WHERE run_id IN (SELECT id FROM runs WHERE status <> 'running' AND finished_at < @before)",
            cancellationToken, ("@before", Sql.LowerBound(endedBefore)));
    }

    private static string Prefixed(string prefix, string columns) => string.Join(", ", columns.Split(", ").Select(c => prefix + c));

    private static RunRecord ReadRun(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7),
        Sql.ReadTime(r, 8), Sql.ReadTimeOrNull(r, 9), Sql.ReadStringOrNull(r, 10), Sql.ReadStringOrNull(r, 11), Sql.ReadStringOrNull(r, 12),
        Sql.ReadStringOrNull(r, 13), Sql.ReadStringOrNull(r, 14));
}
