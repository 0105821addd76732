using Npgsql;
using Portage.Core.Sessions;

namespace Portage.Storage.Postgres;

public sealed partial class PostgresStore : ISessionStore
{
    private const string SessionColumns =
        "id, sandbox_id, end_user_id, window_id, provider, model, provider_session_id, transcript, last_window_seq, created_at, last_active_at";

    /// <inheritdoc/>
    public async Task<SessionRecord?> GetSessionAsync(string sandboxId, string sessionId, string? endUserId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection,
            $"SELECT {SessionColumns} FROM sessions WHERE (id = @id OR provider_session_id = @id) AND sandbox_id = @sandbox " +
            "AND (@user::text IS NULL OR end_user_id = @user) ORDER BY last_active_at DESC LIMIT 1",
            ReadSession, cancellationToken, ("@id", sessionId), ("@sandbox", sandboxId), ("@user", endUserId));
        return rows.FirstOrDefault();
    }

    /// <inheritdoc/>
    public async Task<SessionRecord?> FindLatestSessionAsync(string sandboxId, string windowId, string provider, string model, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection,
            $"SELECT {SessionColumns} FROM sessions WHERE window_id = @window AND sandbox_id = @sandbox AND provider = @provider AND model = @model " +
            "ORDER BY last_active_at DESC, created_at DESC LIMIT 1",
            ReadSession, cancellationToken, ("@window", windowId), ("@sandbox", sandboxId), ("@provider", provider), ("@model", model));
        return rows.FirstOrDefault();
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SessionRecord>> ListSessionsAsync(string sandboxId, string windowId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.QueryAsync(connection,
            $"SELECT {SessionColumns} FROM sessions WHERE window_id = @window AND sandbox_id = @sandbox ORDER BY created_at, id",
            ReadSession, cancellationToken, ("@window", windowId), ("@sandbox", sandboxId));
    }

    private static SessionRecord ReadSession(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), Sql.ReadStringOrNull(r, 6),
        r.GetString(7), r.GetInt64(8), Sql.ReadTime(r, 9), Sql.ReadTime(r, 10));
}
