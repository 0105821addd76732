using System.Collections.Concurrent;
using Portage.Protocol.Retrieval;

namespace Portage.Server.Mcp;

/// <summary>
/// The context windows each MCP session knows (copass-compat §5.5: a registry of windows and one active id). Held in
/// memory per session and dropped when the session ends; the windows themselves and their turns are durable.
/// </summary>
internal sealed class McpSessions(TimeProvider time)
{
    // The SDK ends a session after two idle hours (HttpServerTransportOptions.IdleTimeout); state idle that long is
    // dropped, so the registry stays bounded without the SDK's experimental session hook.
    private static readonly TimeSpan s_idle = TimeSpan.FromHours(2);

    private readonly ConcurrentDictionary<string, McpSessionState> _sessions = new(StringComparer.Ordinal);

    /// <summary>
    /// The state of a session for this caller (a request without a session gets a throwaway one). Keyed by caller too,
    /// so a session id presented with another key, sandbox or end user never sees this caller's windows.
    /// </summary>
    public McpSessionState Get(string? sessionId, McpCaller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var now = time.GetUtcNow();
        if (sessionId is null)
        {
            return new McpSessionState(now);
        }

        foreach (var (key, _) in _sessions.Where(s => now - s.Value.LastUsed > s_idle))
        {
            _sessions.TryRemove(key, out _);
        }

        var state = _sessions.GetOrAdd(string.Join('\n', sessionId, caller.Caller.AccountId, caller.SandboxId, caller.EndUserId ?? ""), _ => new McpSessionState(now));
        state.LastUsed = now;
        return state;
    }
}

/// <summary>One MCP session's windows: the active one, each window's default participants and attach-time turns.</summary>
internal sealed class McpSessionState(DateTimeOffset created)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, McpWindow> _windows = new(StringComparer.Ordinal);
    private string? _active;

    /// <summary>When a tool last used this state.</summary>
    public DateTimeOffset LastUsed { get; set; } = created;

    /// <summary>The active window's id, if any.</summary>
    public string? ActiveId
    {
        get
        {
            lock (_gate)
            {
                return _active;
            }
        }
    }

    /// <summary>Registers a window and makes it active.</summary>
    public void Activate(string windowId, McpWindow window)
    {
        lock (_gate)
        {
            _windows[windowId] = window;
            _active = windowId;
        }
    }

    /// <summary>What the session knows of a window (an empty entry for a window it did not create or attach).</summary>
    public McpWindow Window(string windowId)
    {
        lock (_gate)
        {
            return _windows.GetValueOrDefault(windowId) ?? McpWindow.Unknown;
        }
    }

    /// <summary>Drops a window from the registry; it stops being active.</summary>
    public void Remove(string windowId)
    {
        lock (_gate)
        {
            _windows.Remove(windowId);
            if (_active == windowId)
            {
                _active = null;
            }
        }
    }
}

/// <summary>A window as a session knows it.</summary>
/// <param name="ProjectId">The project its turns are ingested into.</param>
/// <param name="Participants">The default roster sent with each turn.</param>
/// <param name="InitialTurns">Turns the client already had when it attached (history for retrieval, not appended again).</param>
internal sealed record McpWindow(string? ProjectId, IReadOnlyList<string>? Participants, IReadOnlyList<HistoryMessage> InitialTurns)
{
    public static McpWindow Unknown { get; } = new(null, null, []);
}
