using System.Data.Common;
using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Core.Windows;

namespace Portage.Storage.Sql;

public abstract partial class SqlStore : IRunStore
{
    private const string RunColumns =
        "id, sandbox_id, end_user_id, window_id, session_id, provider, model, status, started_at, finished_at, stop_reason, usage, error, idempotency_key, request_hash";

    // A running run whose window lease is no longer its own and unexpired: its process stopped renewing it.
    private const string LeaseGone = "(w.lease_run_id IS NULL OR w.lease_run_id <> r.id OR w.lease_expires_at <= @now)";

    /// <inheritdoc/>
    public virtual async Task<IReadOnlyList<long>> StartRunAsync(RunStart start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        var run = start.Run;
        await using var db = await WriteTransactionAsync(cancellationToken);
        if (start.TakeLease is { } take && await db.ExecuteAsync(TakeLeaseStatement(run.WindowId, run.Id, take), cancellationToken) != 1)
        {
            throw new WindowChangedException(run.WindowId);
        }

        foreach (var statement in StartStatements(start))
        {
            try
            {
                await db.ExecuteAsync(statement, cancellationToken);
            }
            catch (DbException ex) when (IsDuplicateKey(ex, run))
            {
                throw new DuplicateIdempotencyKeyException(run.IdempotencyKey!, ex);
            }
        }

        var seqs = new List<long>(start.UserTurns.Count);
        foreach (var turn in start.UserTurns)
        {
            seqs.Add(await AppendTurnAsync(db, run.WindowId, turn, cancellationToken));
        }

        await db.CommitAsync(cancellationToken);
        return seqs;
    }

    /// <summary>A run's start but its user turns, in the order they are written: its new window, the run, its new session, its response.</summary>
    protected IEnumerable<SqlStatement> StartStatements(RunStart start)
    {
        ArgumentNullException.ThrowIfNull(start);
        var run = start.Run;
        if (start.NewWindow is { } window)
        {
            yield return InsertWindowStatement(window, run.Id, start.LeaseExpiresAt);
        }

        yield return new(
            $"INSERT INTO runs ({RunColumns}) VALUES (@id, @sandbox, @user, @window, @session, @provider, @model, @status, @started, NULL, NULL, NULL, NULL, @key, @hash)",
            ("@id", run.Id), ("@sandbox", run.SandboxId), ("@user", run.EndUserId), ("@window", run.WindowId), ("@session", run.SessionId),
            ("@provider", run.Provider), ("@model", run.Model), ("@status", run.Status), ("@started", dialect.Time(run.StartedAt)), ("@key", run.IdempotencyKey),
            ("@hash", run.RequestFingerprint));
        if (start.NewSession is { } session)
        {
            yield return InsertSessionStatement(session);
        }

        if (start.Response is { } response)
        {
            yield return InsertResponseStatement(run, response);
        }
    }

    /// <summary>Whether a run's start failed because its idempotency key is taken.</summary>
    protected bool IsDuplicateKey(DbException exception, RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.IdempotencyKey is not null && dialect.IsUniqueViolation(exception, "ux_runs_idempotency");
    }

    /// <inheritdoc/>
    public virtual async Task<long> EndRunAsync(RunEnd end, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(end);
        await using var db = await WriteTransactionAsync(cancellationToken);
        // Window row, then run row, as the orphan sweep locks them: whichever of the two comes second sees the other's outcome.
        // NO KEY UPDATE, not UPDATE: the run's id does not change, and the event log's inserts (which check their run's
        // key) would otherwise wait for this transaction and it for them.
        await LockRowsAsync(db, LockWindow, cancellationToken, ("@window", end.Scope.WindowId));
        var status = await db.QueryAsync(RunStatusLocked, r => r.GetString(0), cancellationToken, ("@id", end.Scope.RunId), ("@sandbox", end.Scope.SandboxId));
        if (status.Count == 1 && status[0] != RunStatus.Running)
        {
            throw new RunAlreadyEndedException(end.Scope.RunId, status[0]);
        }

        var seq = await AppendTurnAsync(db, end.Scope.WindowId, end.AssistantTurn, cancellationToken);
        foreach (var statement in EndSessionStatements(end, "@seq", "", ("@seq", seq)))
        {
            await db.ExecuteAsync(statement, cancellationToken);
        }

        await db.ExecuteAsync(EndRunStatement(end), cancellationToken);
        await ReleaseLeaseAsync(db, end.Scope.WindowId, end.Scope.RunId, cancellationToken);
        if (end.Memory is { } memory)
        {
            if (end.MemoryChunks is { } indexed)
            {
                var added = indexed.Chunks.Count == 0 ? 0 : await InsertChunksAsync(db, indexed.Chunks, cancellationToken);
                await db.ExecuteAsync(InsertCompletedJobStatement(memory, indexed, end.FinishedAt, "@indexed", "", ("@indexed", added)), cancellationToken);
            }
            else
            {
                await InsertJobAsync(db, memory, cancellationToken);
            }
        }

        await db.CommitAsync(cancellationToken);
        return seq;
    }

    /// <summary>Locks a run's window row (<c>@window</c>) to the end of the transaction.</summary>
    protected const string LockWindow = "SELECT 1 FROM data_sources WHERE id = @window FOR NO KEY UPDATE";

    /// <summary>A run's status (<c>@id</c>, <c>@sandbox</c>), its row locked to the end of the transaction where rows are locked.</summary>
    protected string RunStatusLocked => $"SELECT status FROM runs WHERE id = @id AND sandbox_id = @sandbox{dialect.Lock("FOR NO KEY UPDATE")}";

    /// <summary>A run's outcome; a run that is no longer running is left as it is.</summary>
    protected SqlStatement EndRunStatement(RunEnd end)
    {
        ArgumentNullException.ThrowIfNull(end);
        return new(
            $"UPDATE runs SET status = @status, finished_at = @at, stop_reason = @stop, usage = {dialect.Jsonb("@usage")}, error = @error " +
            "WHERE id = @id AND sandbox_id = @sandbox AND status = 'running'",
            ("@status", end.Status), ("@at", dialect.Time(end.FinishedAt)), ("@stop", end.StopReason), ("@usage", end.UsageJson), ("@error", end.Error),
            ("@id", end.Scope.RunId), ("@sandbox", end.Scope.SandboxId));
    }

    /// <inheritdoc/>
    public Task<RunRecord?> GetRunAsync(string sandboxId, string runId, CancellationToken cancellationToken) =>
        ReadFirstAsync($"SELECT {RunColumns} FROM runs WHERE id = @id AND sandbox_id = @sandbox",
            ReadRun, cancellationToken, ("@id", runId), ("@sandbox", sandboxId));

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, RunOutput>> GetRunOutputsAsync(
        string sandboxId, IReadOnlyCollection<string> runIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runIds);
        if (runIds.Count == 0)
        {
            return new Dictionary<string, RunOutput>();
        }

        // ix_turns_run finds a run's turns without reading its window.
        var rows = await ReadListAsync(
            "SELECT r.id, COALESCE(s.provider_session_id, r.session_id), " +
            "(SELECT t.parts FROM turns t WHERE t.run_id = r.id AND t.window_id = r.window_id AND t.role = 'assistant' ORDER BY t.seq DESC LIMIT 1) " +
            $"FROM runs r LEFT JOIN sessions s ON s.id = r.session_id WHERE r.sandbox_id = @sandbox AND {dialect.InList("r.id", "@ids")}",
            r => (Id: r.GetString(0), Output: new RunOutput(r.IsDBNull(2) ? null : TextOf(r.GetString(2)), r.GetString(1))),
            cancellationToken, ("@sandbox", sandboxId), ("@ids", dialect.StringList(runIds)));
        return rows.ToDictionary(row => row.Id, row => row.Output, StringComparer.Ordinal);
    }

    private static string TextOf(string partsJson) =>
        string.Concat(TurnParts.FromJson(partsJson).Where(p => p.Type == TurnPartType.Text).Select(p => p.Text));

    /// <inheritdoc/>
    public async Task<int> InterruptOrphanedRunsAsync(DateTimeOffset now, bool allRunning, CancellationToken cancellationToken)
    {
        await using var db = await WriteTransactionAsync(cancellationToken);
        var sql = allRunning
            ? $"SELECT {RunColumns} FROM runs WHERE status = 'running' ORDER BY started_at, id"
            : $"SELECT {Prefixed("r.", RunColumns)} FROM runs r JOIN data_sources w ON w.id = r.window_id " +
              $"WHERE r.status = 'running' AND {LeaseGone} ORDER BY r.started_at, r.id";
        var candidates = await db.QueryAsync(sql, ReadRun, cancellationToken, ("@now", dialect.Time(now)));
        var interrupted = 0;
        foreach (var run in candidates)
        {
            // Window row, then run row: the order EndRunAsync locks them in, so a run ending meanwhile (another process on
            // this database) is waited for, never deadlocked with, and then no longer counts as running.
            await LockRowsAsync(db, LockWindow, cancellationToken, ("@window", run.WindowId));
            // Checked again under the locks: the run may have ended, or (replicas) renewed its lease, meanwhile.
            var still = await db.QueryAsync(
                allRunning
                    ? $"SELECT 1 FROM runs WHERE id = @id AND status = 'running'{dialect.Lock("FOR NO KEY UPDATE")}"
                    : $"SELECT 1 FROM runs r JOIN data_sources w ON w.id = r.window_id WHERE r.id = @id AND r.status = 'running' AND {LeaseGone}{dialect.Lock("FOR NO KEY UPDATE OF r")}",
                r => 1, cancellationToken, ("@id", run.Id), ("@now", dialect.Time(now)));
            if (still.Count == 0)
            {
                continue;
            }

            // An empty assistant turn marks the outcome in the window, so the log shows where the crash happened; the
            // session is not advanced, so its next turn catches up on the user turn as a window gap (rule 4).
            await AppendTurnAsync(db, run.WindowId,
                new NewTurn(TurnRole.Assistant, $"{run.Provider}/{run.Model}", run.Provider, run.Model, run.Id, RunStatus.Interrupted, now, 0, []),
                cancellationToken);
            await db.ExecuteAsync("UPDATE runs SET status = 'interrupted', finished_at = @at, error = @error WHERE id = @id",
                cancellationToken, ("@at", dialect.Time(now)), ("@error", "The server stopped while the run was in progress."), ("@id", run.Id));
            await ReleaseLeaseAsync(db, run.WindowId, run.Id, cancellationToken);
            interrupted++;
        }

        await db.CommitAsync(cancellationToken);
        return interrupted;
    }

    /// <inheritdoc/>
    public Task<RunRecord?> FindRunByIdempotencyKeyAsync(string sandboxId, string endUserId, string idempotencyKey, CancellationToken cancellationToken) =>
        ReadFirstAsync($"SELECT {RunColumns} FROM runs WHERE sandbox_id = @sandbox AND end_user_id = @user AND idempotency_key = @key",
            ReadRun, cancellationToken, ("@sandbox", sandboxId), ("@user", endUserId), ("@key", idempotencyKey));

    /// <inheritdoc/>
    public async Task<IReadOnlyList<RunRecord>> ListRunsAsync(string sandboxId, RunFilter filter, RunCursor? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var db = await ReadAsync(cancellationToken);
        var sql = $"SELECT {RunColumns} FROM runs WHERE sandbox_id = @sandbox AND ({dialect.Text("@window")} IS NULL OR window_id = @window) " +
            $"AND ({dialect.Text("@status")} IS NULL OR status = @status) AND ({dialect.Text("@user")} IS NULL OR end_user_id = @user) " +
            (after is null ? "" : "AND (started_at < @afterAt OR (started_at = @afterAt AND id < @afterId)) ") +
            "ORDER BY started_at DESC, id DESC LIMIT @limit";
        return await db.QueryAsync(sql, ReadRun, cancellationToken,
            ("@sandbox", sandboxId), ("@window", filter.WindowId), ("@status", filter.Status), ("@user", filter.EndUserId),
            ("@afterAt", after is null ? null : dialect.Time(after.StartedAt)), ("@afterId", after?.RunId), ("@limit", limit));
    }

    private static string Prefixed(string prefix, string columns) => string.Join(", ", columns.Split(", ").Select(c => prefix + c));

    private RunRecord ReadRun(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7),
        dialect.ReadTime(r, 8), dialect.ReadTimeOrNull(r, 9), r.StringOrNull(10), r.StringOrNull(11), r.StringOrNull(12),
        r.StringOrNull(13), r.StringOrNull(14));
}
