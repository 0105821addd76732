using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portage.Protocol.Runs;

/// <summary>
/// One frame of a run's event stream. The SSE <c>event:</c> name is <see cref="EventName"/>; the <c>data:</c> line is
/// the concrete record serialized with <see cref="ProtocolJson"/>. The hierarchy is closed: these seven are all there is.
/// </summary>
public abstract record AgentEvent
{
    private protected AgentEvent()
    {
    }

    /// <summary>The SSE event name of this frame.</summary>
    [JsonIgnore]
    public abstract string EventName { get; }

    /// <summary>True for the frames that end a run's stream (<c>agent_finish</c>, <c>agent_error</c>).</summary>
    [JsonIgnore]
    public bool IsTerminal => EventNames.IsTerminal(EventName);

    /// <summary>
    /// The frame's SSE id, <c>run_id:seq</c>, when it was read from a stream: pass the last one received as
    /// <c>Last-Event-ID</c> to resume the run's stream after it.
    /// </summary>
    [JsonIgnore]
    public string? EventId { get; init; }
}

/// <summary>Portage's first frame: which run, session and context window this stream belongs to.</summary>
public sealed record RunStarted(string RunId, string? SessionId, string ContextWindowId) : AgentEvent
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string EventName => EventNames.RunStarted;
}

/// <summary>
/// Portage extension, sent before the first delta: the conversation outgrew the model's input budget, so its oldest part
/// was replaced by a summary, stored as window turn <see cref="SummarySeq"/> (the original turns stay in the window).
/// Copass clients skip it as an unknown frame.
/// </summary>
/// <param name="SummarySeq">The compaction turn's seq.</param>
/// <param name="ReplacedFromSeq">First window turn the summary stands for.</param>
/// <param name="ReplacedToSeq">Last window turn the summary stands for.</param>
/// <param name="TokensBefore">Estimated input tokens of the run before compaction.</param>
/// <param name="TokensAfter">Estimated input tokens after.</param>
public sealed record ContextCompacted(long SummarySeq, long ReplacedFromSeq, long ReplacedToSeq, int TokensBefore, int TokensAfter) : AgentEvent
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string EventName => EventNames.ContextCompacted;
}

/// <summary>Incremental assistant text; concatenate the deltas for the full message.</summary>
public sealed record AgentTextDelta(string Text) : AgentEvent
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string EventName => EventNames.TextDelta;
}

/// <summary>The model asked for a tool; the router executes it (observational for clients).</summary>
public sealed record AgentToolCall(string CallId, string Name, JsonElement Arguments) : AgentEvent
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string EventName => EventNames.ToolCall;
}

/// <summary>The result of a tool call with the same <see cref="CallId"/>. <see cref="Result"/> is always an object.</summary>
public sealed record AgentToolResult(string CallId, string Name, JsonElement Result) : AgentEvent
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string EventName => EventNames.ToolResult;

    /// <summary>Why the tool failed, or null; on failure <see cref="Result"/> is <c>{}</c>.</summary>
    public string? Error { get; init; }
}

/// <summary>Terminal frame of a run that ended normally.</summary>
public sealed record AgentFinish(string StopReason, string? SessionId, Usage Usage) : AgentEvent
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string EventName => EventNames.Finish;

    /// <summary>Portage extension: the run id.</summary>
    public string? RunId { get; init; }

    /// <summary>Portage extension: the context window the run used.</summary>
    public string? ContextWindowId { get; init; }

    /// <summary>Portage extension: the provider that ran the turn.</summary>
    public string? Provider { get; init; }

    /// <summary>Portage extension: the model that ran the turn.</summary>
    public string? Model { get; init; }

    /// <summary>
    /// Portage extension: what is left of the tightest spending budget the run counted against (USD microcents) after
    /// its cost was settled; absent when no budget applies.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? BudgetRemainingMicrocents { get; init; }
}

/// <summary>Terminal frame of a run that failed after streaming started.</summary>
public sealed record AgentError(string Message, string Type) : AgentEvent
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string EventName => EventNames.Error;

    /// <summary>The run id, when known.</summary>
    public string? RunId { get; init; }
}

/// <summary>The SSE event names of the run stream.</summary>
public static class EventNames
{
    /// <summary><c>run_started</c> (Portage extension).</summary>
    public const string RunStarted = "run_started";

    /// <summary><c>context_compacted</c> (Portage extension).</summary>
    public const string ContextCompacted = "context_compacted";

    /// <summary><c>agent_text_delta</c>.</summary>
    public const string TextDelta = "agent_text_delta";

    /// <summary><c>agent_tool_call</c>.</summary>
    public const string ToolCall = "agent_tool_call";

    /// <summary><c>agent_tool_result</c>.</summary>
    public const string ToolResult = "agent_tool_result";

    /// <summary><c>agent_finish</c>.</summary>
    public const string Finish = "agent_finish";

    /// <summary><c>agent_error</c>.</summary>
    public const string Error = "agent_error";

    /// <summary>True for the names of the frames that end a run's stream: exactly one of them ends every stream.</summary>
    public static bool IsTerminal(string eventName) => eventName is Finish or Error;
}
