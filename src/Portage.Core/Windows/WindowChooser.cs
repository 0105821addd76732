using Portage.Core.Errors;
using Portage.Core.Sources;
using Portage.Core.Tenancy;

namespace Portage.Core.Windows;

/// <summary>What a run request says about its window (rule 3's inputs).</summary>
/// <param name="ContextWindowId">The request's <c>context_window_id</c>, if any.</param>
/// <param name="SessionId">The request's <c>session_id</c>, if any.</param>
/// <param name="NewWindow">The request's <c>new_window</c>.</param>
public sealed record WindowReference(string? ContextWindowId, string? SessionId, bool NewWindow);

/// <summary>The window a run uses.</summary>
/// <param name="Window">The window (not yet stored when <paramref name="IsNew"/>).</param>
/// <param name="Named">The caller pointed at it (by id or session): rule 8 does not wait, rule 9 refuses an archived one.</param>
/// <param name="IsNew">The window does not exist yet: the run's start writes it.</param>
public sealed record WindowChoice(WindowRecord Window, bool Named, bool IsNew);

/// <summary>
/// Rules 3 and 9: which window a run uses, first match wins: (a) <c>context_window_id</c>, (b) the window of
/// <c>session_id</c>, (c) a new one when <c>new_window</c>, (d) the end user's active window, (e) a new one. A window
/// archived for inactivity comes back; one archived explicitly, or paused, is refused.
/// </summary>
public sealed class WindowChooser(IWindowStore windows, IDataSourceStore sources, IIdGenerator ids, TimeProvider time)
{
    /// <summary>
    /// Chooses the window of a run of <paramref name="endUserId"/> in <paramref name="sandboxId"/>.
    /// <paramref name="sessionWindowId"/> is the window of the session the request names, null when that session does
    /// not exist for this end user.
    /// </summary>
    public async Task<WindowChoice> ChooseAsync(
        string sandboxId, string endUserId, WindowReference reference, string? sessionWindowId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (!string.IsNullOrEmpty(reference.ContextWindowId))
        {
            var named = await NamedWindowAsync(sandboxId, endUserId, reference.ContextWindowId, cancellationToken);
            return new WindowChoice(await ReopenAsync(named, cancellationToken), Named: true, IsNew: false);
        }

        if (!string.IsNullOrEmpty(reference.SessionId))
        {
            var windowId = sessionWindowId
                ?? throw PortageException.NotFound("session_not_found",
                    $"No session '{reference.SessionId}' for end user '{endUserId}' in this sandbox. Omit session_id to continue the end user's active window, or set new_window: true.");
            var window = await windows.GetWindowAsync(sandboxId, windowId, endUserId, cancellationToken)
                ?? throw PortageException.NotFound("window_not_found", $"The window of session '{reference.SessionId}' no longer exists. Omit session_id to start again.");
            return new WindowChoice(await ReopenAsync(window, cancellationToken), Named: true, IsNew: false);
        }

        if (!reference.NewWindow && await windows.FindActiveWindowAsync(sandboxId, endUserId, cancellationToken) is { } active)
        {
            return new WindowChoice(active, Named: false, IsNew: false);
        }

        var now = time.GetUtcNow();
        var created = new WindowRecord(ids.NewId("ds"), sandboxId, endUserId, $"window-{now.ToUnixTimeMilliseconds()}", SourceStatus.Active, null, now, now, 0);
        return new WindowChoice(created, Named: false, IsNew: true);
    }

    private async Task<WindowRecord> NamedWindowAsync(string sandboxId, string endUserId, string windowId, CancellationToken cancellationToken)
    {
        var window = await windows.GetWindowAsync(sandboxId, windowId, null, cancellationToken);
        if (window is null && await sources.GetSourceAsync(sandboxId, windowId, cancellationToken) is { } durable)
        {
            // The caller's key sees every source of its sandboxes, so naming the kind leaks nothing (rule 2).
            throw PortageException.BadRequest("not_a_context_window",
                $"Data source '{durable.Id}' is a durable source (provider '{durable.Provider}'), not a context window. context_window_id takes a source " +
                "with kind: ephemeral: create one with POST …/sources {\"provider\": \"custom\", \"name\": \"…\", \"kind\": \"ephemeral\"}, or omit context_window_id.");
        }

        var notFound = PortageException.NotFound("window_not_found",
            $"No context window '{windowId}' for end user '{endUserId}' in this sandbox. Omit context_window_id to continue the end user's active window.");
        if (window is null || (window.EndUserId is not null && window.EndUserId != endUserId))
        {
            throw notFound;
        }

        if (window.EndUserId is null)
        {
            // A window created without an end user belongs to the first one who uses it. The claim is a conditional
            // update, and another end user's request (an ingest, a run) may have made it between the read above and
            // here: only the window as stored after the claim says whose it is.
            await windows.BindEndUserAsync(sandboxId, window.Id, endUserId, cancellationToken);
            window = await windows.GetWindowAsync(sandboxId, window.Id, endUserId, cancellationToken) ?? throw notFound;
        }

        return window;
    }

    private Task<WindowRecord> ReopenAsync(WindowRecord window, CancellationToken cancellationToken) =>
        WindowReopening.ReopenAsync(windows, window,
            $"Context window '{window.Id}' was archived. Its turns stay readable (GET …/sources/{window.Id}/turns); to go on talking, omit session_id and context_window_id (or set new_window: true) to start a new window.",
            "omit session_id and context_window_id to use another window", cancellationToken);
}
