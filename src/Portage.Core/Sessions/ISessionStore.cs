namespace Portage.Core.Sessions;

/// <summary>Storage seam for sessions. Sessions are created and updated together with runs (see <c>IRunStore</c>).</summary>
public interface ISessionStore
{
    /// <summary>A session of the sandbox (and of the end user, when given), or null.</summary>
    Task<SessionRecord?> GetSessionAsync(string sandboxId, string sessionId, string? endUserId, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="GetSessionAsync(string, string, string?, CancellationToken)"/>, leaving the transcript out when the
    /// session is still at the version the caller already holds (<paramref name="known"/>; see <see cref="SessionRecord.TranscriptOmitted"/>).
    /// A store may always read it: the default does.
    /// </summary>
    Task<SessionRecord?> GetSessionAsync(string sandboxId, string sessionId, string? endUserId, TranscriptVersion? known, CancellationToken cancellationToken) =>
        GetSessionAsync(sandboxId, sessionId, endUserId, cancellationToken);

    /// <summary>Rule 4: the window's most recently active session of this provider and model, or null.</summary>
    Task<SessionRecord?> FindLatestSessionAsync(string sandboxId, string windowId, string provider, string model, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="FindLatestSessionAsync(string, string, string, string, CancellationToken)"/>, leaving the transcript
    /// out when the session found is the one at the version the caller already holds (<paramref name="known"/>).
    /// A store may always read it: the default does.
    /// </summary>
    Task<SessionRecord?> FindLatestSessionAsync(string sandboxId, string windowId, string provider, string model, TranscriptVersion? known, CancellationToken cancellationToken) =>
        FindLatestSessionAsync(sandboxId, windowId, provider, model, cancellationToken);

    /// <summary>The sessions a window has had, oldest first.</summary>
    Task<IReadOnlyList<SessionRecord>> ListSessionsAsync(string sandboxId, string windowId, CancellationToken cancellationToken);
}

/// <summary>
/// A session's transcript as it stood after one of its runs: the session and the window turn its run ended with
/// (<see cref="SessionRecord.LastWindowSeq"/>). Only a run's end changes a transcript, and every end moves the seq
/// on, so a session still at this seq still has this transcript.
/// </summary>
public sealed record TranscriptVersion(string SessionId, long LastWindowSeq);
