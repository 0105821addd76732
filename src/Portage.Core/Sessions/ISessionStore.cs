namespace Portage.Core.Sessions;

/// <summary>Storage seam for sessions. Sessions are created and updated together with runs (see <c>IRunStore</c>).</summary>
public interface ISessionStore
{
    /// <summary>A session of the sandbox (and of the end user, when given), or null.</summary>
    Task<SessionRecord?> GetSessionAsync(string sandboxId, string sessionId, string? endUserId, CancellationToken cancellationToken);

    /// <summary>Rule 4: the window's most recently active session of this provider and model, or null.</summary>
    Task<SessionRecord?> FindLatestSessionAsync(string sandboxId, string windowId, string provider, string model, CancellationToken cancellationToken);

    /// <summary>The sessions a window has had, oldest first.</summary>
    Task<IReadOnlyList<SessionRecord>> ListSessionsAsync(string sandboxId, string windowId, CancellationToken cancellationToken);
}
