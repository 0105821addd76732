using Portage.Core.Sources;

namespace Portage.Core.Windows;

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

    /// <summary>An ephemeral data source as the run path sees it: a context window of the same row.</summary>
    public static WindowRecord Of(DataSourceRecord source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new(source.Id, source.SandboxId, source.EndUserId, source.Name, source.Status, source.ArchivedReason, source.CreatedAt, source.LastActiveAt, source.TurnCount);
    }
}

/// <summary>The role of a turn.</summary>
public static class TurnRole
{
    /// <summary>The end user's message.</summary>
    public const string User = "user";

    /// <summary>The model's answer.</summary>
    public const string Assistant = "assistant";

    /// <summary>
    /// A summary that stands for a range of earlier turns when the conversation outgrew the model's budget. The turns
    /// it replaces stay in the window; runs read the summary instead of them.
    /// </summary>
    public const string Compaction = "compaction";
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

    /// <summary>The summary text of a compaction turn, with the range it replaces (<see cref="TurnPart.Compacts"/>).</summary>
    public const string Compaction = "compaction";
}

/// <summary>What a compaction turn stands for: window turns <paramref name="FromSeq"/> to <paramref name="ToSeq"/>.</summary>
/// <param name="FromSeq">First turn replaced.</param>
/// <param name="ToSeq">Last turn replaced.</param>
/// <param name="TokensBefore">Estimated input tokens of the run that compacted, before.</param>
/// <param name="TokensAfter">The same, after.</param>
public sealed record CompactedRange(long FromSeq, long ToSeq, int TokensBefore, int TokensAfter);

/// <summary>One ordered part of a turn. JSON values are kept as raw JSON text.</summary>
public sealed record TurnPart(
    string Type,
    string? Text = null,
    string? CallId = null,
    string? Name = null,
    string? ArgumentsJson = null,
    string? ResultJson = null,
    string? Error = null,
    CompactedRange? Compacts = null)
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
    /// <summary>The text parts (and a compaction's summary) joined, in order.</summary>
    public string Text => string.Concat(Parts.Where(p => p.Type is TurnPartType.Text or TurnPartType.Compaction).Select(p => p.Text));

    /// <summary>The range a compaction turn stands for, or null for any other turn.</summary>
    public CompactedRange? Compacts => Role == TurnRole.Compaction ? Parts.FirstOrDefault(p => p.Compacts is not null)?.Compacts : null;
}
