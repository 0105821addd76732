using Portage.Core.Errors;
using Portage.Core.Sources;

namespace Portage.Core.Windows;

/// <summary>
/// Rule 9 for everything that writes to a window it was pointed at (a run naming it, a turn added from outside a run):
/// an active window is used as it is; one archived for inactivity comes back; one archived or disconnected explicitly
/// is 409 <c>window_archived</c>; one paused (or in error) is 409 <c>window_paused</c> until <c>POST …/resume</c>,
/// because writing to a window is not a resume.
/// </summary>
internal static class WindowReopening
{
    /// <summary>The window, active; <paramref name="archivedDetail"/> and <paramref name="otherWindow"/> say what else the caller can do.</summary>
    public static async Task<WindowRecord> ReopenAsync(
        IWindowStore windows, WindowRecord window, string archivedDetail, string otherWindow, CancellationToken cancellationToken)
    {
        if (window.IsActive)
        {
            return window;
        }

        if (window.IsClosedExplicitly)
        {
            throw PortageException.Conflict("window_archived", archivedDetail);
        }

        if (window.Status != SourceStatus.Archived)
        {
            throw PortageException.Conflict("window_paused",
                $"Context window '{window.Id}' is {window.Status}. Resume it with POST …/sources/{window.Id}/resume, or {otherWindow}.");
        }

        await windows.SetWindowStatusAsync(window.SandboxId, window.Id, SourceStatus.Active, null, cancellationToken);
        return window with { Status = SourceStatus.Active, ArchivedReason = null };
    }
}
