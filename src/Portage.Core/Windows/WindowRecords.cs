namespace Portage.Core.Windows;

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

/// <summary>A context window: an ephemeral data source of one sandbox and one end user.</summary>
public sealed record WindowRecord(
    string Id,
    string SandboxId,
    string? EndUserId,
    string Name,
    string Status,
    string? ArchivedReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastActiveAt,
    int TurnCount)
{
    /// <summary>Whether runs may use the window without reactivating it.</summary>
    public bool IsActive => Status == SourceStatus.Active;

    /// <summary>Whether only an explicit call (not inactivity) closed it.</summary>
    public bool IsClosedExplicitly => SourceStatus.IsClosedExplicitly(Status, ArchivedReason);
}

/// <summary>The role of a turn.</summary>
public static class TurnRole
{
    /// <summary>The end user's message.</summary>
    public const string User = "user";

    /// <summary>The model's answer.</summary>
    public const string Assistant = "assistant";
}

/// <summary>Kinds of turn parts.</summary>
public static class TurnPartType
{
    /// <summary>Plain text.</summary>
    public const string Text = "text";

    /// <summary>A tool call by the model.</summary>
    public const string ToolCall = "tool_call";

    /// <summary>The result of a tool call.</summary>
    public const string ToolResult = "tool_result";
}

/// <summary>One ordered part of a turn. JSON values are kept as raw JSON text.</summary>
public sealed record TurnPart(
    string Type,
    string? Text = null,
    string? CallId = null,
    string? Name = null,
    string? ArgumentsJson = null,
    string? ResultJson = null,
    string? Error = null)
{
    /// <summary>A text part.</summary>
    public static TurnPart OfText(string text) => new(TurnPartType.Text, Text: text);
}

/// <summary>A turn to append; the store assigns its sequence number.</summary>
public sealed record NewTurn(
    string Role,
    string Speaker,
    string? Provider,
    string? Model,
    string? RunId,
    string Status,
    DateTimeOffset CreatedAt,
    int TokenEstimate,
    IReadOnlyList<TurnPart> Parts);

/// <summary>A stored turn of a window, in order.</summary>
public sealed record TurnRecord(
    string WindowId,
    long Seq,
    string Role,
    string Speaker,
    string? Provider,
    string? Model,
    string? RunId,
    string Status,
    DateTimeOffset CreatedAt,
    int TokenEstimate,
    IReadOnlyList<TurnPart> Parts)
{
    /// <summary>The text parts joined, in order.</summary>
    public string Text => string.Concat(Parts.Where(p => p.Type == TurnPartType.Text).Select(p => p.Text));
}
