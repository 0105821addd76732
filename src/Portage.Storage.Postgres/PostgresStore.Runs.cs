using Npgsql;
using Portage.Core.Runs;
using Portage.Core.Windows;

namespace Portage.Storage.Postgres;

public sealed partial class PostgresStore : IRunStore
{
    private const string RunColumns =
        "id, sandbox_id, end_user_id, window_id, session_id, provider, model, status, started_at, finished_at, stop_reason, usage, error";

    /// <inheritdoc/>
    public async Task<IReadOnlyList<long>> StartRunAsync(RunStart start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        var run = start.Run;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Sql.ExecuteAsync(connection,
            $"INSERT INTO runs ({RunColumns}) VALUES (@id, @sandbox, @user, @window, @session, @provider, @model, @status, @started, NULL, NULL, NULL, NULL)",
            cancellationToken,
            ("@id", run.Id), ("@sandbox", run.SandboxId), ("@user", run.EndUserId), ("@window", run.WindowId), ("@session", run.SessionId),
            ("@provider", run.Provider), ("@model", run.Model), ("@status", run.Status), ("@started", Sql.Time(run.StartedAt)));
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
        var seq = await AppendTurnAsync(connection, end.WindowId, end.AssistantTurn, cancellationToken);
        await Sql.ExecuteAsync(connection,
            "UPDATE sessions SET transcript = @transcript::json, model = @model, last_window_seq = @seq, " +
            "provider_session_id = COALESCE(@native, provider_session_id), last_active_at = @at WHERE id = @id AND sandbox_id = @sandbox",
            cancellationToken,
            ("@transcript", end.TranscriptJson), ("@model", end.SessionModel), ("@seq", seq), ("@native", end.ProviderSessionId), ("@at", Sql.Time(end.FinishedAt)),
            ("@id", end.SessionId), ("@sandbox", end.SandboxId));
        await Sql.ExecuteAsync(connection,
            "UPDATE runs SET status = @status, finished_at = @at, stop_reason = @stop, usage = @usage::jsonb, error = @error WHERE id = @id AND sandbox_id = @sandbox",
            cancellationToken,
            ("@status", end.Status), ("@at", Sql.Time(end.FinishedAt)), ("@stop", end.StopReason), ("@usage", end.UsageJson), ("@error", end.Error),
            ("@id", end.RunId), ("@sandbox", end.SandboxId));
        await ReleaseLeaseAsync(connection, end.WindowId, end.RunId, cancellationToken);
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
    public async Task<int> InterruptOrphanedRunsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var candidates = await Sql.QueryAsync(connection, $"SELECT {RunColumns} FROM runs WHERE status = 'running' ORDER BY started_at, id",
            ReadRun, cancellationToken);
        var interrupted = 0;
        foreach (var run in candidates)
        {
            // Window row, then run row: the order EndRunAsync locks them in, so a run ending meanwhile (another process on
            // this database) is waited for, never deadlocked with, and then no longer counts as running.
            await Sql.ExecuteAsync(connection, "SELECT 1 FROM data_sources WHERE id = @id FOR NO KEY UPDATE", cancellationToken, ("@id", run.WindowId));
            var still = await Sql.QueryAsync(connection, "SELECT 1 FROM runs WHERE id = @id AND status = 'running' FOR UPDATE", r => 1, cancellationToken,
                ("@id", run.Id));
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

    private static RunRecord ReadRun(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7),
        Sql.ReadTime(r, 8), Sql.ReadTimeOrNull(r, 9), Sql.ReadStringOrNull(r, 10), Sql.ReadStringOrNull(r, 11), Sql.ReadStringOrNull(r, 12));
}
