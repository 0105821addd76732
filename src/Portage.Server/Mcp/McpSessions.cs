using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ModelContextProtocol.Server;
using Portage.Protocol.Retrieval;

namespace Portage.Server.Mcp;

/// <summary>
/// The context windows each MCP session knows (copass-compat §5.5: a registry of windows and one active id). Held in
/// memory per session and dropped when the session ends; the windows themselves and their turns are durable.
/// </summary>
internal sealed class McpSessions
{
    // Keyed by the session's server object, so a session's state goes when the SDK drops the session (idle timeout,
    // DELETE) without a hook; within a session, keyed by caller too.
    private readonly ConditionalWeakTable<McpServer, ConcurrentDictionary<string, McpSessionState>> _sessions = [];

    /// <summary>
    /// The state of a session for this caller. Keyed by caller too, so a session id presented with another key,
    /// sandbox or end user never sees this caller's windows.
    /// </summary>
    public McpSessionState Get(McpServer session, McpCaller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var byCaller = _sessions.GetValue(session, _ => new ConcurrentDictionary<string, McpSessionState>(StringComparer.Ordinal));
        return byCaller.GetOrAdd(string.Join('\n', caller.Caller.AccountId, caller.SandboxId, caller.EndUserId ?? ""), _ => new McpSessionState());
    }
}

/// <summary>One MCP session's windows: the active one, each window's default participants and attach-time turns.</summary>
internal sealed class McpSessionState
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, McpWindow> _windows = new(StringComparer.Ordinal);
    private string? _active;

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
