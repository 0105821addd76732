using Portage.Core.Errors;

namespace Portage.Core.Windows;

/// <summary>
/// A run holds the window (rule 8), so a turn from elsewhere (a conversation ingest, MCP <c>add_turn</c>) cannot be
/// appended now: it would land between the run's user turn and its answer. Nothing was written. 409
/// <c>run_in_progress</c> at the edge, once the caller's wait for the run is over.
/// </summary>
public sealed class WindowBusyException(string windowId)
    : PortageException(ErrorKind.Conflict, "run_in_progress",
        $"Context window '{windowId}' has a run in progress; a turn can be added once its agent_finish is sent. Retry then.")
{
    /// <summary>The busy window.</summary>
    public string WindowId { get; } = windowId;
}
