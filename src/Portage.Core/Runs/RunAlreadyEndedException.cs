using Portage.Core.Errors;

namespace Portage.Core.Runs;

/// <summary>
/// The run was no longer <c>running</c> when its end was to be written: a sweep had marked it <c>interrupted</c> because
/// its window lease expired (a stalled process, a lost database connection). Nothing was written, so the window keeps
/// one outcome per run; the client is told with <c>agent_error</c> <c>run_interrupted</c>.
/// </summary>
public sealed class RunAlreadyEndedException(string runId, string status)
    : PortageException(ErrorKind.Conflict, "run_interrupted",
        $"Run '{runId}' was marked {status} before its answer could be saved (its window lease expired while it was finishing). The answer is not in the window; send the message again.")
{
    /// <summary>The status the run already had.</summary>
    public string Status { get; } = status;
}
