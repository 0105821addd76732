using System.Data.Common;
using Portage.Core.Windows;

namespace Portage.Storage.Sql;

public abstract partial class SqlStore : IWindowStore
{
    private const string WindowColumns = "id, sandbox_id, end_user_id, name, status, archived_reason, created_at, last_active_at, turn_count";
    /// <summary>The columns of a turn row, in the order of <see cref="InsertTurnStatement"/>.</summary>
    protected const string TurnColumns = "window_id, seq, role, speaker, provider, model, run_id, status, created_at, token_estimate, parts";
    private const string TurnsOfWindow =
        "SELECT t.window_id, t.seq, t.role, t.speaker, t.provider, t.model, t.run_id, t.status, t.created_at, t.token_estimate, t.parts " +
        "FROM turns t JOIN data_sources w ON w.id = t.window_id WHERE t.window_id = @window AND w.sandbox_id = @sandbox";

    // The run path sees only the ephemeral rows of data_sources: a durable source is never a window.
    private const string IsWindow = "kind = 'ephemeral'";

    /// <inheritdoc/>
    public async Task CreateWindowAsync(WindowRecord window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        await using var db = await WriteAsync(cancellationToken);
        await InsertWindowAsync(db, window, null, null, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<WindowRecord?> GetWindowAsync(string sandboxId, string windowId, string? endUserId, CancellationToken cancellationToken) =>
        ReadFirstAsync(
            $"SELECT {WindowColumns} FROM data_sources WHERE id = @id AND sandbox_id = @sandbox AND {IsWindow} AND ({dialect.Text("@user")} IS NULL OR end_user_id = @user)",
            ReadWindow, cancellationToken, ("@id", windowId), ("@sandbox", sandboxId), ("@user", endUserId));

    /// <inheritdoc/>
    public async Task<IReadOnlyList<WindowRecord>> ListWindowsAsync(string sandboxId, string? endUserId, string? status, CancellationToken cancellationToken) =>
        await ReadListAsync(
            $"SELECT {WindowColumns} FROM data_sources WHERE sandbox_id = @sandbox AND {IsWindow} AND ({dialect.Text("@user")} IS NULL OR end_user_id = @user) " +
            $"AND ({dialect.Text("@status")} IS NULL OR status = @status) ORDER BY last_active_at DESC, id",
            ReadWindow, cancellationToken, ("@sandbox", sandboxId), ("@user", endUserId), ("@status", status));

    /// <inheritdoc/>
    public Task<WindowRecord?> FindActiveWindowAsync(string sandboxId, string endUserId, CancellationToken cancellationToken) =>
        ReadFirstAsync(
            $"SELECT {WindowColumns} FROM data_sources WHERE sandbox_id = @sandbox AND end_user_id = @user AND {IsWindow} AND status = 'active' " +
            "ORDER BY last_active_at DESC, created_at DESC LIMIT 1",
            ReadWindow, cancellationToken, ("@sandbox", sandboxId), ("@user", endUserId));

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TurnRecord>> ListTurnsAsync(string sandboxId, string windowId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        // SQLite reads a negative LIMIT as no limit at all: refuse it rather than read a whole window.
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return await ReadListAsync($"{TurnsOfWindow} AND t.seq > @after ORDER BY t.seq LIMIT @limit",
            ReadTurn, cancellationToken, ("@window", windowId), ("@sandbox", sandboxId), ("@after", afterSeq), ("@limit", limit));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TurnRecord>> ListTurnsBeforeAsync(string sandboxId, string windowId, long beforeSeq, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var db = await ReadAsync(cancellationToken);
        var newestFirst = await db.QueryAsync($"{TurnsOfWindow} AND t.seq < @before AND t.seq > @after ORDER BY t.seq DESC LIMIT @limit",
            ReadTurn, cancellationToken, ("@window", windowId), ("@sandbox", sandboxId), ("@before", beforeSeq), ("@after", afterSeq), ("@limit", limit));
        newestFirst.Reverse();
        return newestFirst;
    }

    /// <inheritdoc/>
    public async Task<long?> AppendTurnAsync(string sandboxId, string windowId, NewTurn turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        await using var db = await WriteTransactionAsync(cancellationToken);
        var found = await db.QueryAsync($"SELECT 1 FROM data_sources WHERE id = @id AND sandbox_id = @sandbox AND {IsWindow}",
            r => 1, cancellationToken, ("@id", windowId), ("@sandbox", sandboxId));
        if (found.Count == 0)
        {
            return null;
        }

        var seq = await AppendTurnAsync(db, windowId, turn, cancellationToken);
        await db.CommitAsync(cancellationToken);
        return seq;
    }

    /// <inheritdoc/>
    public async Task<bool> SetWindowStatusAsync(string sandboxId, string windowId, string status, string? archivedReason, CancellationToken cancellationToken)
    {
        var changed = await WriteOnceAsync(
            $"UPDATE data_sources SET status = @status, archived_reason = @reason WHERE id = @id AND sandbox_id = @sandbox AND {IsWindow}",
            cancellationToken, ("@status", status), ("@reason", archivedReason), ("@id", windowId), ("@sandbox", sandboxId));
        return changed == 1;
    }

    /// <inheritdoc/>
    public Task BindEndUserAsync(string sandboxId, string windowId, string endUserId, CancellationToken cancellationToken) =>
        WriteOnceAsync(
            $"UPDATE data_sources SET end_user_id = @user WHERE id = @id AND sandbox_id = @sandbox AND {IsWindow} AND end_user_id IS NULL",
            cancellationToken, ("@user", endUserId), ("@id", windowId), ("@sandbox", sandboxId));

    /// <inheritdoc/>
    public Task<int> ArchiveInactiveWindowsAsync(string? sandboxId, DateTimeOffset inactiveSince, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteOnceAsync(
            "UPDATE data_sources SET status = 'archived', archived_reason = 'inactivity' " +
            $"WHERE {IsWindow} AND status = 'active' AND last_active_at < @since AND ({dialect.Text("@sandbox")} IS NULL OR sandbox_id = @sandbox) " +
            "AND (lease_run_id IS NULL OR lease_expires_at <= @now)",
            cancellationToken, ("@since", dialect.LowerBound(inactiveSince)), ("@sandbox", sandboxId), ("@now", dialect.Time(now)));

    /// <inheritdoc/>
    public async Task<bool> TryAcquireLeaseAsync(string windowId, string runId, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        if (dialect.SingleWriter)
        {
            // A held lease is seen by a read, which does not queue behind the writes: runs waiting for a busy window do
            // not take the writer's turn from the runs that have work to commit.
            await using var reader = await ReadAsync(cancellationToken);
            var free = await reader.QueryAsync($"SELECT 1 FROM data_sources WHERE {Free}", r => 1, cancellationToken, ("@id", windowId), ("@now", dialect.Time(now)));
            if (free.Count == 0)
            {
                return false;
            }
        }

        await using var db = await WriteAsync(cancellationToken);
        // One statement: a concurrent acquirer (in this process or another) waits for the row lock, then re-checks the
        // condition against the committed lease and changes nothing, so exactly one run holds the window.
        var changed = await db.ExecuteAsync($"UPDATE data_sources SET lease_run_id = @run, lease_expires_at = @expires WHERE {Free}",
            cancellationToken, ("@run", runId), ("@expires", dialect.Time(expiresAt)), ("@id", windowId), ("@now", dialect.Time(now)));
        return changed == 1;
    }

    /// <summary>
    /// Takes the lease of <paramref name="windowId"/> for <paramref name="runId"/> as a run's start does: one row changed
    /// when it was free and the window still has the turns the run read (<see cref="LeaseTake"/>), none otherwise.
    /// </summary>
    protected SqlStatement TakeLeaseStatement(string windowId, string runId, LeaseTake take)
    {
        ArgumentNullException.ThrowIfNull(take);
        return new($"UPDATE data_sources SET lease_run_id = @run, lease_expires_at = @expires WHERE {Free} AND turn_count = @turns",
            ("@run", runId), ("@expires", dialect.Time(take.ExpiresAt)), ("@id", windowId), ("@now", dialect.Time(take.Now)), ("@turns", take.TurnCount));
    }

    /// <inheritdoc/>
    public Task RenewLeaseAsync(string windowId, string runId, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        WriteOnceAsync("UPDATE data_sources SET lease_expires_at = @expires WHERE id = @id AND lease_run_id = @run",
            cancellationToken, ("@expires", dialect.Time(expiresAt)), ("@id", windowId), ("@run", runId));

    /// <inheritdoc/>
    public async Task ReleaseLeaseAsync(string windowId, string runId, CancellationToken cancellationToken)
    {
        await using var db = await WriteAsync(cancellationToken);
        await ReleaseLeaseAsync(db, windowId, runId, cancellationToken);
    }

    private static Task<int> ReleaseLeaseAsync(SqlSession db, string windowId, string runId, CancellationToken cancellationToken) =>
        db.ExecuteAsync("UPDATE data_sources SET lease_run_id = NULL, lease_expires_at = NULL WHERE id = @id AND lease_run_id = @run",
            cancellationToken, ("@id", windowId), ("@run", runId));

    private const string Free = "id = @id AND (lease_run_id IS NULL OR lease_expires_at <= @now)";

    // A window starts with a lease when a run creates it: no other run can find it before the run's start commits anyway.
    private Task<int> InsertWindowAsync(SqlSession db, WindowRecord window, string? leaseRunId, DateTimeOffset? leaseExpiresAt, CancellationToken cancellationToken) =>
        db.ExecuteAsync(InsertWindowStatement(window, leaseRunId, leaseExpiresAt), cancellationToken);

    /// <summary>Inserts a window, leased to <paramref name="leaseRunId"/> until <paramref name="leaseExpiresAt"/> when given.</summary>
    protected SqlStatement InsertWindowStatement(WindowRecord window, string? leaseRunId, DateTimeOffset? leaseExpiresAt)
    {
        ArgumentNullException.ThrowIfNull(window);
        return new(
            "INSERT INTO data_sources (id, sandbox_id, kind, provider, ingestion_mode, adapter_config, end_user_id, name, status, archived_reason, created_at, last_active_at, turn_count, lease_run_id, lease_expires_at) " +
            "VALUES (@id, @sandbox, 'ephemeral', 'custom', 'manual', '{}', @user, @name, @status, @reason, @created, @active, 0, @lease, @expires)",
            ("@id", window.Id), ("@sandbox", window.SandboxId), ("@user", window.EndUserId), ("@name", window.Name), ("@status", window.Status),
            ("@reason", window.ArchivedReason), ("@created", dialect.Time(window.CreatedAt)), ("@active", dialect.Time(window.LastActiveAt)),
            ("@lease", leaseRunId), ("@expires", dialect.TimeOrNull(leaseExpiresAt)));
    }

    // Appends inside the caller's transaction. The sequence number comes from the window row, counted up by the same
    // statement that locks it (SQLite: the transaction holds the write lock): concurrent appenders (any process) queue
    // on the row and get consecutive numbers.
    private async Task<long> AppendTurnAsync(SqlSession db, string windowId, NewTurn turn, CancellationToken cancellationToken)
    {
        var counts = await db.QueryAsync(
            "UPDATE data_sources SET turn_count = turn_count + 1, last_active_at = @at WHERE id = @id RETURNING turn_count",
            r => (long)r.GetInt32(0), cancellationToken, ("@at", dialect.Time(turn.CreatedAt)), ("@id", windowId));
        var seq = counts.Single();
        await db.ExecuteAsync(InsertTurnStatement(windowId, turn, "@seq", "", ("@seq", seq)), cancellationToken);
        return seq;
    }

    /// <summary>
    /// Inserts a turn numbered <paramref name="seq"/> (a parameter, or a column of what <paramref name="tail"/> selects
    /// from); <paramref name="more"/> are the parameters <paramref name="seq"/> and <paramref name="tail"/> add.
    /// </summary>
    protected SqlStatement InsertTurnStatement(string windowId, NewTurn turn, string seq, string tail, params (string Name, object? Value)[] more)
    {
        ArgumentNullException.ThrowIfNull(turn);
        ArgumentNullException.ThrowIfNull(more);
        return new(
            $"INSERT INTO turns ({TurnColumns}) SELECT @window, {seq}, @role, @speaker, @provider, @model, @run, @status, @at, @tokens, {dialect.Json("@parts")}{tail}",
            [
                ("@window", windowId), ("@role", turn.Role), ("@speaker", turn.Speaker), ("@provider", turn.Provider), ("@model", turn.Model),
                ("@run", turn.RunId), ("@status", turn.Status), ("@at", dialect.Time(turn.CreatedAt)), ("@tokens", turn.TokenEstimate),
                ("@parts", TurnParts.ToJson(turn.Parts)), .. more,
            ]);
    }

    private WindowRecord ReadWindow(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.StringOrNull(2), r.GetString(3), r.GetString(4), r.StringOrNull(5),
        dialect.ReadTime(r, 6), dialect.ReadTime(r, 7), r.GetInt32(8));

    private TurnRecord ReadTurn(DbDataReader r) => new(
        r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.StringOrNull(4), r.StringOrNull(5),
        r.StringOrNull(6), r.GetString(7), dialect.ReadTime(r, 8), r.GetInt32(9), TurnParts.FromJson(r.GetString(10)));
}
