using System.Text.Json;
using Portage.Protocol;
using Portage.Protocol.Runs;

namespace Portage.Cli;

/// <summary>How events are shown on a terminal and as JSON lines.</summary>
internal static class EventFormat
{
    public static string ToolCall(AgentToolCall call) => $"[tool {call.Name} {Raw(call.Arguments)}]";

    public static string ToolResult(AgentToolResult result) => result.Error is null
        ? $"[tool {result.Name} -> {Raw(result.Result)}]"
        : $"[tool {result.Name} error: {result.Error}]";

    public static string Error(AgentError error) => $"error ({error.Type}): {error.Message}";

    public static string SessionLine(string? sessionId, string? contextWindowId) =>
        $"session_id={sessionId ?? "-"} context_window_id={contextWindowId ?? "-"}";

    /// <summary>One line <c>{"event": name, "data": payload}</c>, the payload exactly as on the wire.</summary>
    public static string JsonLine(AgentEvent agentEvent) =>
        // Event names are fixed snake_case identifiers: nothing to escape.
        $"{{\"event\":\"{agentEvent.EventName}\"," +
        $"\"data\":{JsonSerializer.Serialize(agentEvent, agentEvent.GetType(), ProtocolJson.Default)}}}";

    private static string Raw(JsonElement element) =>
        element.ValueKind == JsonValueKind.Undefined ? "{}" : element.GetRawText();
}
