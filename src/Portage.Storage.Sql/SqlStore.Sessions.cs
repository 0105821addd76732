using System.Data.Common;
using Portage.Core.Runs;
using Portage.Core.Sessions;

namespace Portage.Storage.Sql;

public abstract partial class SqlStore : ISessionStore
{
    private const string SessionColumns =
        "id, sandbox_id, end_user_id, window_id, provider, model, provider_session_id, transcript, last_window_seq, created_at, last_active_at";

    // The session's columns, then the messages its runs appended to its transcript since it was last rewritten, as one
    // JSON array (null when none).
    private string SessionSelect => $"{SessionColumns}, {AppendedMessages}";

    private string AppendedMessages =>
        $"(SELECT '[' || {dialect.JoinText("m.messages", "','", "m.seq")} || ']' FROM session_messages m WHERE m.session_id = sessions.id)";

    // SessionSelect for a caller that may hold the transcript already (@known_id at @known_seq, or NULLs): a long
    // conversation's transcript is tens of kilobytes a turn, read and decoded for nothing when it has not changed.
    private string SessionSelectUnlessKnown => _sessionSelectUnlessKnown ??= string.Concat(
        SessionColumns.Replace("transcript,", $"CASE WHEN {KnownTranscript} THEN NULL ELSE transcript END,", StringComparison.Ordinal),
        $", CASE WHEN {KnownTranscript} THEN NULL ELSE {AppendedMessages} END");

    private const string KnownTranscript = "sessions.id = @known_id AND sessions.last_window_seq = @known_seq";
    private string? _sessionSelectUnlessKnown;

    /// <inheritdoc/>
    public Task<SessionRecord?> GetSessionAsync(string sandboxId, string sessionId, string? endUserId, CancellationToken cancellationToken) =>
        GetSessionAsync(sandboxId, sessionId, endUserId, null, cancellationToken);

    /// <inheritdoc/>
    public Task<SessionRecord?> GetSessionAsync(string sandboxId, string sessionId, string? endUserId, TranscriptVersion? known, CancellationToken cancellationToken) =>
        ReadFirstAsync(
            $"SELECT {SessionSelectUnlessKnown} FROM sessions WHERE (id = @id OR provider_session_id = @id) AND sandbox_id = @sandbox " +
            $"AND ({dialect.Text("@user")} IS NULL OR end_user_id = @user) ORDER BY last_active_at DESC LIMIT 1",
            ReadSession, cancellationToken, ("@id", sessionId), ("@sandbox", sandboxId), ("@user", endUserId),
            ("@known_id", known?.SessionId), ("@known_seq", known?.LastWindowSeq));

    /// <inheritdoc/>
    public Task<SessionRecord?> FindLatestSessionAsync(string sandboxId, string windowId, string provider, string model, CancellationToken cancellationToken) =>
        FindLatestSessionAsync(sandboxId, windowId, provider, model, null, cancellationToken);

    /// <inheritdoc/>
    public Task<SessionRecord?> FindLatestSessionAsync(
        string sandboxId, string windowId, string provider, string model, TranscriptVersion? known, CancellationToken cancellationToken) =>
        ReadFirstAsync(
            $"SELECT {SessionSelectUnlessKnown} FROM sessions WHERE window_id = @window AND sandbox_id = @sandbox " +
            "AND provider = @provider AND model = @model ORDER BY last_active_at DESC, created_at DESC LIMIT 1",
            ReadSession, cancellationToken, ("@window", windowId), ("@sandbox", sandboxId), ("@provider", provider), ("@model", model),
            ("@known_id", known?.SessionId), ("@known_seq", known?.LastWindowSeq));

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SessionRecord>> ListSessionsAsync(string sandboxId, string windowId, CancellationToken cancellationToken) =>
        await ReadListAsync($"SELECT {SessionSelect} FROM sessions WHERE window_id = @window AND sandbox_id = @sandbox ORDER BY created_at, id",
            ReadSession, cancellationToken, ("@window", windowId), ("@sandbox", sandboxId));

    private Task<int> InsertSessionAsync(SqlSession db, SessionRecord s, CancellationToken cancellationToken) =>
        db.ExecuteAsync(InsertSessionStatement(s), cancellationToken);

    /// <summary>Inserts a session.</summary>
    protected SqlStatement InsertSessionStatement(SessionRecord s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(
            $"INSERT INTO sessions ({SessionColumns}) VALUES (@id, @sandbox, @user, @window, @provider, @model, @native, {dialect.Json("@transcript")}, @seq, @created, @active)",
            ("@id", s.Id), ("@sandbox", s.SandboxId), ("@user", s.EndUserId), ("@window", s.WindowId), ("@provider", s.Provider), ("@model", s.Model),
            ("@native", s.ProviderSessionId), ("@transcript", s.TranscriptJson), ("@seq", s.LastWindowSeq), ("@created", dialect.Time(s.CreatedAt)),
            ("@active", dialect.Time(s.LastActiveAt)));
    }

    /// <summary>
    /// A run's end as its session keeps it: the transcript (see <see cref="RunEnd.Transcript"/>), the model, the native
    /// session id and the window turn it has seen (<paramref name="seq"/>: a parameter or an expression; <paramref name="more"/>
    /// the parameters it adds). <paramref name="onlyIf"/> is added to each statement's condition (with its AND).
    /// </summary>
    protected IEnumerable<SqlStatement> EndSessionStatements(RunEnd end, string seq, string onlyIf, params (string Name, object? Value)[] more)
    {
        ArgumentNullException.ThrowIfNull(end);
        ArgumentNullException.ThrowIfNull(more);
        var session = new List<(string Name, object? Value)> { ("@id", end.Scope.SessionId), ("@sandbox", end.Scope.SandboxId) };
        session.AddRange(more);
        var appends = end.Transcript == TranscriptWrite.Append;
        var update = new List<(string Name, object? Value)>(session)
        {
            ("@model", end.SessionModel), ("@native", end.ProviderSessionId), ("@at", dialect.Time(end.FinishedAt)),
        };
        if (!appends)
        {
            update.Add(("@transcript", end.TranscriptJson));
        }

        yield return new(
            $"UPDATE sessions SET {(appends ? "" : $"transcript = {dialect.Json("@transcript")}, ")}model = @model, last_window_seq = {seq}, " +
            $"provider_session_id = COALESCE(@native, provider_session_id), last_active_at = @at WHERE id = @id AND sandbox_id = @sandbox{onlyIf}",
            [.. update]);
        if (appends && end.TranscriptJson.Length > 0)
        {
            yield return new(
                $"INSERT INTO session_messages (session_id, messages) SELECT id, @messages FROM sessions WHERE id = @id AND sandbox_id = @sandbox{onlyIf}",
                [("@messages", end.TranscriptJson), .. session]);
        }
        else if (end.Transcript == TranscriptWrite.Replace)
        {
            yield return new(
                $"DELETE FROM session_messages WHERE session_id = @id AND EXISTS (SELECT 1 FROM sessions WHERE id = @id AND sandbox_id = @sandbox){onlyIf}",
                [.. session]);
        }
    }

    // The transcript is NULL only where SessionSelectUnlessKnown left it out (the column itself is NOT NULL).
    private SessionRecord ReadSession(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.StringOrNull(6),
        r.StringOrNull(7) ?? "", r.GetInt64(8), dialect.ReadTime(r, 9), dialect.ReadTime(r, 10))
    {
        AppendedJson = r.StringOrNull(11),
        TranscriptOmitted = r.IsDBNull(7),
    };
}
