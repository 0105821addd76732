using System.Text.Encodings.Web;
using System.Text.Json;
using Portage.Protocol;
using Portage.Protocol.Runs;

namespace Portage.Cli;

/// <summary>How events are shown on a terminal and as JSON lines.</summary>
internal static class EventFormat
{
    // Lines go to a terminal or a pipe, never into HTML: keep quotes and non-ASCII readable instead of \u0022.
    private static readonly ProtocolJson s_lineJson = new(
        new JsonSerializerOptions(ProtocolJson.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>One line of at most <see cref="ToolSummary.MaxLine"/> characters; <c>--json</c> shows the arguments whole.</summary>
    public static string ToolCall(AgentToolCall call) => ToolSummary.Call(call.Name, call.Arguments);

    /// <summary>A one-line summary (counts and first labels); <c>--json</c> shows the result whole.</summary>
    public static string ToolResult(AgentToolResult result) => result.Error is null
        ? ToolSummary.Result(result.Name, result.Result)
        : ToolSummary.Failure(result.Name, result.Error);

    /// <summary>One line saying which turns the summary stands for and what it saved.</summary>
    public static string Compacted(ContextCompacted compacted) =>
        $"(context compacted: turns {compacted.ReplacedFromSeq}–{compacted.ReplacedToSeq} summarised as turn {compacted.SummarySeq}, " +
        $"~{compacted.TokensBefore:N0} → ~{compacted.TokensAfter:N0} tokens)";

    public static string Error(AgentError error) => $"error ({error.Type}): {error.Message}";

    public static string SessionLine(string? sessionId, string? contextWindowId) =>
        $"session_id={sessionId ?? "-"} context_window_id={contextWindowId ?? "-"}";

    /// <summary>One line <c>{"event": name, "data": payload}</c>, the payload exactly as on the wire.</summary>
    public static string JsonLine(AgentEvent agentEvent) =>
        // Event names are fixed snake_case identifiers: nothing to escape.
        $"{{\"event\":\"{agentEvent.EventName}\"," +
        $"\"data\":{JsonSerializer.Serialize(agentEvent, agentEvent.GetType(), s_lineJson)}}}";
}
