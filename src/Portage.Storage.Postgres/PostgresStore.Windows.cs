using Npgsql;
using Portage.Core.Windows;

namespace Portage.Storage.Postgres;

public sealed partial class PostgresStore : IWindowStore
{
    private const string WindowColumns = "id, sandbox_id, end_user_id, name, status, archived_reason, created_at, last_active_at, turn_count";
    private const string TurnColumns = "window_id, seq, role, speaker, provider, model, run_id, status, created_at, token_estimate, parts";

    // The run path sees only the ephemeral rows of data_sources: a durable source is never a window.
    private const string IsWindow = "kind = 'ephemeral'";

    /// <inheritdoc/>
    public async Task CreateWindowAsync(WindowRecord window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        await using var connection = await database.OpenAsync(cancellationToken);
        await InsertWindowAsync(connection, window, null, null, cancellationToken);
    }

    // A window starts with a lease when a run creates it: no other run can find it before the run's start commits anyway.
    private static Task<int> InsertWindowAsync(
        NpgsqlConnection connection, WindowRecord window, string? leaseRunId, DateTimeOffset? leaseExpiresAt, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection,
            "INSERT INTO data_sources (id, sandbox_id, kind, provider, ingestion_mode, adapter_config, end_user_id, name, status, archived_reason, created_at, last_active_at, turn_count, lease_run_id, lease_expires_at) " +
            "VALUES (@id, @sandbox, 'ephemeral', 'custom', 'manual', '{}', @user, @name, @status, @reason, @created, @active, 0, @lease, @expires)",
            cancellationToken,
            ("@id", window.Id), ("@sandbox", window.SandboxId), ("@user", window.EndUserId), ("@name", window.Name), ("@status", window.Status),
            ("@reason", window.ArchivedReason), ("@created", Sql.Time(window.CreatedAt)), ("@active", Sql.Time(window.LastActiveAt)),
            ("@lease", leaseRunId), ("@expires", Sql.TimeOrNull(leaseExpiresAt)));

    /// <inheritdoc/>
    public async Task<WindowRecord?> GetWindowAsync(string sandboxId, string windowId, string? endUserId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection,
            $"SELECT {WindowColumns} FROM data_sources WHERE id = @id AND sandbox_id = @sandbox AND {IsWindow} AND (@user::text IS NULL OR end_user_id = @user)",
            ReadWindow, cancellationToken, ("@id", windowId), ("@sandbox", sandboxId), ("@user", endUserId));
        return rows.FirstOrDefault();
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<WindowRecord>> ListWindowsAsync(string sandboxId, string? endUserId, string? status, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.QueryAsync(connection,
            $"SELECT {WindowColumns} FROM data_sources WHERE sandbox_id = @sandbox AND {IsWindow} AND (@user::text IS NULL OR end_user_id = @user) " +
            "AND (@status::text IS NULL OR status = @status) ORDER BY last_active_at DESC, id",
            ReadWindow, cancellationToken, ("@sandbox", sandboxId), ("@user", endUserId), ("@status", status));
    }

    /// <inheritdoc/>
    public async Task<WindowRecord?> FindActiveWindowAsync(string sandboxId, string endUserId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection,
            $"SELECT {WindowColumns} FROM data_sources WHERE sandbox_id = @sandbox AND end_user_id = @user AND {IsWindow} AND status = 'active' " +
            "ORDER BY last_active_at DESC, created_at DESC LIMIT 1",
            ReadWindow, cancellationToken, ("@sandbox", sandboxId), ("@user", endUserId));
        return rows.FirstOrDefault();
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TurnRecord>> ListTurnsAsync(string sandboxId, string windowId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        // SQLite reads a negative LIMIT as no limit at all: refuse it rather than read a whole window.
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.QueryAsync(connection,
            "SELECT t.window_id, t.seq, t.role, t.speaker, t.provider, t.model, t.run_id, t.status, t.created_at, t.token_estimate, t.parts " +
            "FROM turns t JOIN data_sources w ON w.id = t.window_id WHERE t.window_id = @window AND w.sandbox_id = @sandbox AND t.seq > @after ORDER BY t.seq LIMIT @limit",
            ReadTurn, cancellationToken, ("@window", windowId), ("@sandbox", sandboxId), ("@after", afterSeq), ("@limit", limit));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TurnRecord>> ListTurnsBeforeAsync(string sandboxId, string windowId, long beforeSeq, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var newestFirst = await Sql.QueryAsync(connection,
            "SELECT t.window_id, t.seq, t.role, t.speaker, t.provider, t.model, t.run_id, t.status, t.created_at, t.token_estimate, t.parts " +
            "FROM turns t JOIN data_sources w ON w.id = t.window_id WHERE t.window_id = @window AND w.sandbox_id = @sandbox " +
            "AND t.seq < @before AND t.seq > @after ORDER BY t.seq DESC LIMIT @limit",
            ReadTurn, cancellationToken, ("@window", windowId), ("@sandbox", sandboxId), ("@before", beforeSeq), ("@after", afterSeq), ("@limit", limit));
        newestFirst.Reverse();
        return newestFirst;
    }

    /// <inheritdoc/>
    public async Task<bool> SetWindowStatusAsync(string sandboxId, string windowId, string status, string? archivedReason, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var changed = await Sql.ExecuteAsync(connection,
            $"UPDATE data_sources SET status = @status, archived_reason = @reason WHERE id = @id AND sandbox_id = @sandbox AND {IsWindow}",
            cancellationToken, ("@status", status), ("@reason", archivedReason), ("@id", windowId), ("@sandbox", sandboxId));
        return changed == 1;
    }

    /// <inheritdoc/>
    public async Task BindEndUserAsync(string sandboxId, string windowId, string endUserId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await Sql.ExecuteAsync(connection,
            $"UPDATE data_sources SET end_user_id = @user WHERE id = @id AND sandbox_id = @sandbox AND {IsWindow} AND end_user_id IS NULL",
            cancellationToken, ("@user", endUserId), ("@id", windowId), ("@sandbox", sandboxId));
    }

    /// <inheritdoc/>
    public async Task<int> ArchiveInactiveWindowsAsync(string? sandboxId, DateTimeOffset inactiveSince, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.ExecuteAsync(connection,
            "UPDATE data_sources SET status = 'archived', archived_reason = 'inactivity' " +
            $"WHERE {IsWindow} AND status = 'active' AND last_active_at < @since AND (@sandbox::text IS NULL OR sandbox_id = @sandbox) " +
            "AND (lease_run_id IS NULL OR lease_expires_at <= @now)",
            cancellationToken, ("@since", Sql.LowerBound(inactiveSince)), ("@sandbox", sandboxId), ("@now", Sql.Time(now)));
    }

    /// <inheritdoc/>
    public async Task<bool> TryAcquireLeaseAsync(string windowId, string runId, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // One statement: a concurrent acquirer (in this process or another) waits for the row lock, then re-checks the
        // condition against the committed lease and changes nothing, so exactly one run holds the window.
        var changed = await Sql.ExecuteAsync(connection,
            "UPDATE data_sources SET lease_run_id = @run, lease_expires_at = @expires WHERE id = @id AND (lease_run_id IS NULL OR lease_expires_at <= @now)",
            cancellationToken, ("@run", runId), ("@expires", Sql.Time(expiresAt)), ("@id", windowId), ("@now", Sql.Time(now)));
        return changed == 1;
    }

    /// <inheritdoc/>
    public async Task RenewLeaseAsync(string windowId, string runId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await Sql.ExecuteAsync(connection, "UPDATE data_sources SET lease_expires_at = @expires WHERE id = @id AND lease_run_id = @run",
            cancellationToken, ("@expires", Sql.Time(expiresAt)), ("@id", windowId), ("@run", runId));
    }

    /// <inheritdoc/>
    public async Task ReleaseLeaseAsync(string windowId, string runId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await ReleaseLeaseAsync(connection, windowId, runId, cancellationToken);
    }

    private static Task<int> ReleaseLeaseAsync(NpgsqlConnection connection, string windowId, string runId, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection, "UPDATE data_sources SET lease_run_id = NULL, lease_expires_at = NULL WHERE id = @id AND lease_run_id = @run",
            cancellationToken, ("@id", windowId), ("@run", runId));

    // Appends inside the caller's transaction. The sequence number comes from the window row, counted up by the same
    // statement that locks it: concurrent appenders (any process) queue on the row and get consecutive numbers.
    private static async Task<long> AppendTurnAsync(NpgsqlConnection connection, string windowId, NewTurn turn, CancellationToken cancellationToken)
    {
        var counts = await Sql.QueryAsync(connection,
            "UPDATE data_sources SET turn_count = turn_count + 1, last_active_at = @at WHERE id = @id RETURNING turn_count",
            r => (long)r.GetInt32(0), cancellationToken, ("@at", Sql.Time(turn.CreatedAt)), ("@id", windowId));
        var seq = counts.Single();
        await Sql.ExecuteAsync(connection,
            $"INSERT INTO turns ({TurnColumns}) VALUES (@window, @seq, @role, @speaker, @provider, @model, @run, @status, @at, @tokens, @parts::json)",
            cancellationToken,
            ("@window", windowId), ("@seq", seq), ("@role", turn.Role), ("@speaker", turn.Speaker), ("@provider", turn.Provider), ("@model", turn.Model),
            ("@run", turn.RunId), ("@status", turn.Status), ("@at", Sql.Time(turn.CreatedAt)), ("@tokens", turn.TokenEstimate), ("@parts", TurnParts.ToJson(turn.Parts)));
        return seq;
    }

    private static WindowRecord ReadWindow(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), Sql.ReadStringOrNull(r, 2), r.GetString(3), r.GetString(4), Sql.ReadStringOrNull(r, 5),
        Sql.ReadTime(r, 6), Sql.ReadTime(r, 7), r.GetInt32(8));

    private static TurnRecord ReadTurn(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), Sql.ReadStringOrNull(r, 4), Sql.ReadStringOrNull(r, 5),
        Sql.ReadStringOrNull(r, 6), r.GetString(7), Sql.ReadTime(r, 8), r.GetInt32(9), TurnParts.FromJson(r.GetString(10)));
}
