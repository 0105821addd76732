using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portage.Protocol.Sources;

/// <summary>One turn of a context window, as returned by <c>GET …/sources/{id}/turns</c> (Portage extension).</summary>
public sealed record WindowTurn
{
    /// <summary>Position in the window, from 1.</summary>
    public required long Seq { get; init; }

    /// <summary>
    /// <c>user</c>, <c>assistant</c>, or <c>compaction</c>: a summary that runs read instead of the turns its
    /// <c>compaction</c> part names (those turns stay in the window).
    /// </summary>
    public required string Role { get; init; }

    /// <summary>Who spoke (<c>User</c>, or the provider/model for assistant turns).</summary>
    public required string Speaker { get; init; }

    /// <summary>The coalesced text of the turn.</summary>
    public required string Text { get; init; }

    /// <summary>Provider of the run that wrote it.</summary>
    public string? Provider { get; init; }

    /// <summary>Model of the run that wrote it.</summary>
    public string? Model { get; init; }

    /// <summary>The run that wrote it.</summary>
    public string? RunId { get; init; }

    /// <summary><c>succeeded</c>, <c>failed</c>, <c>cancelled</c>, … (the run's outcome for assistant turns).</summary>
    public required string Status { get; init; }

    /// <summary>When it was appended.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Estimated tokens of the turn.</summary>
    public int TokenEstimate { get; init; }

    /// <summary>The ordered parts: text, tool calls, tool results.</summary>
    public IReadOnlyList<TurnPartDto> Parts { get; init; } = [];
}

/// <summary>One part of a turn.</summary>
public sealed record TurnPartDto
{
    /// <summary><c>text</c>, <c>tool_call</c>, <c>tool_result</c> or <c>compaction</c> (a summary's text and range).</summary>
    public required string Type { get; init; }

    /// <summary>Text of a text part.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Text { get; init; }

    /// <summary>Call id of a tool part.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CallId { get; init; }

    /// <summary>Tool name.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }

    /// <summary>Tool arguments.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Arguments { get; init; }

    /// <summary>Tool result.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Result { get; init; }

    /// <summary>Tool error.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }

    /// <summary>Of a compaction part: the range of turns the summary stands for and what it saved.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CompactionInfo? Compaction { get; init; }
}

/// <summary>What a compaction turn stands for.</summary>
/// <param name="ReplacedFromSeq">First window turn replaced.</param>
/// <param name="ReplacedToSeq">Last window turn replaced.</param>
/// <param name="TokensBefore">Estimated input tokens of the compacting run before.</param>
/// <param name="TokensAfter">The same, after.</param>
public sealed record CompactionInfo(long ReplacedFromSeq, long ReplacedToSeq, int TokensBefore, int TokensAfter);

/// <summary>
/// Answer of <c>GET …/sources/{id}/turns</c>: one page of the window's turns in order (<c>limit</c> turns, 100 by
/// default, and at most 4 MiB of them, but always one). <see cref="Count"/> counts this page's turns.
/// </summary>
public sealed record WindowTurnList(string ContextWindowId, string? EndUserId, IReadOnlyList<WindowTurn> Turns, int Count)
{
    /// <summary>Whether turns follow this page.</summary>
    public bool HasMore { get; init; }

    /// <summary>The <c>after_seq</c> of the next page (the last seq of this one); null on the last page.</summary>
    public long? NextAfterSeq { get; init; }
}
