namespace Portage.Core.Sources;

/// <summary>Status values of a data source (durable or ephemeral; a context window is an ephemeral one).</summary>
public static class SourceStatus
{
    /// <summary>Usable.</summary>
    public const string Active = "active";

    /// <summary>Paused by <c>POST …/pause</c>: runs naming a paused window are refused until <c>…/resume</c>.</summary>
    public const string Paused = "paused";

    /// <summary>An adapter failed; <c>…/resume</c> makes it active again.</summary>
    public const string Error = "error";

    /// <summary>Archived: readable, never chosen as the active window.</summary>
    public const string Archived = "archived";

    /// <summary>Closed by a Copass client's <c>window.close()</c>; treated like an explicit archive.</summary>
    public const string Disconnected = "disconnected";

    /// <summary>
    /// Whether a source was closed by an explicit archive or disconnect: terminal for pause and resume, and a run naming
    /// such a window is refused (rule 9). A window archived for inactivity is not closed explicitly.
    /// </summary>
    public static bool IsClosedExplicitly(string status, string? archivedReason) =>
        status == Disconnected || (status == Archived && archivedReason == ArchiveReason.Explicit);
}

/// <summary>Why a window was archived: decides whether a run naming it is refused or reactivates it (rule 9).</summary>
public static class ArchiveReason
{
    /// <summary>By archive/disconnect: runs naming the window get 409 <c>window_archived</c>.</summary>
    public const string Explicit = "explicit";

    /// <summary>By the sweeper: a run naming the window reactivates it.</summary>
    public const string Inactivity = "inactivity";
}
