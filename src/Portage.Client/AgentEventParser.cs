using System.Text.Json;
using Portage.Protocol;
using Portage.Protocol.Runs;

namespace Portage.Client;

/// <summary>
/// Maps one SSE frame to its <see cref="AgentEvent"/>, with the Copass client rules (copass-compat §11.1): unknown
/// event names and malformed JSON give null (the frame is skipped), missing terminal fields get the Copass defaults.
/// </summary>
internal static class AgentEventParser
{
    public static AgentEvent? Parse(string eventType, ReadOnlySpan<byte> data)
    {
        try
        {
            return eventType switch
            {
                EventNames.TextDelta => JsonSerializer.Deserialize(data, ProtocolJson.Default.AgentTextDelta),
                EventNames.ToolCall => JsonSerializer.Deserialize(data, ProtocolJson.Default.AgentToolCall),
                EventNames.ToolResult => JsonSerializer.Deserialize(data, ProtocolJson.Default.AgentToolResult),
                EventNames.Finish => WithDefaults(JsonSerializer.Deserialize(data, ProtocolJson.Default.AgentFinish)),
                EventNames.Error => WithDefaults(JsonSerializer.Deserialize(data, ProtocolJson.Default.AgentError)),
                EventNames.RunStarted => JsonSerializer.Deserialize(data, ProtocolJson.Default.RunStarted),
                EventNames.ContextCompacted => JsonSerializer.Deserialize(data, ProtocolJson.Default.ContextCompacted),
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // The records' constructor parameters are non-nullable, but a server may leave them out; the deserializer then
    // passes null. These are the defaults the Copass TypeScript client applies.
    private static AgentFinish? WithDefaults(AgentFinish? finish) => finish is null
        ? null
        : finish with { StopReason = finish.StopReason ?? "unknown", Usage = finish.Usage ?? new Usage() };

    private static AgentError? WithDefaults(AgentError? error) => error is null
        ? null
        : error with { Message = error.Message ?? string.Empty, Type = error.Type ?? "Error" };
}
