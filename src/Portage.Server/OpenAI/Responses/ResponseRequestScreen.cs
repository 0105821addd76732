using System.Text.Json;
using static Portage.Server.OpenAI.UnsupportedFields;

namespace Portage.Server.OpenAI.Responses;

/// <summary>
/// Refuses Responses fields that would change what the model does and that Portage does not pass on yet (400
/// <c>unsupported_parameter</c> naming the field). A field sent as null or with the value that asks for nothing
/// (<c>tools: []</c>, <c>tool_choice: "auto"</c>, <c>text: {"format": {"type": "text"}}</c>, <c>truncation: "disabled"</c>,
/// <c>background: false</c>, …) passes, and so does every field that does not change the answer (<c>metadata</c>,
/// <c>parallel_tool_calls</c>, <c>service_tier</c>, <c>prompt_cache_key</c>, …).
/// </summary>
internal static class ResponseRequestScreen
{
    private static readonly UnsupportedFields s_fields = new(
    [
        ("temperature", Never), ("top_p", Never), ("top_logprobs", Never),
        ("tools", EmptyArray), ("tool_choice", v => IsString(v, "none") || IsString(v, "auto")), ("max_tool_calls", Never),
        ("text", v => v.ValueKind == JsonValueKind.Object && (!v.TryGetProperty("format", out var format) || format.ValueKind == JsonValueKind.Null
            || format.ValueKind == JsonValueKind.Object && format.TryGetProperty("type", out var type) && IsString(type, "text"))
            && (!v.TryGetProperty("verbosity", out var verbosity) || verbosity.ValueKind == JsonValueKind.Null)),
        ("reasoning", AllNull), ("truncation", v => IsString(v, "disabled")), ("include", EmptyArray),
        ("background", False), ("prompt", Never),
    ]);

    /// <summary>The refused fields, for the README.</summary>
    public static IEnumerable<string> Fields => s_fields.Fields;

    /// <summary>The screen of <c>POST /v1/responses</c> bodies (<see cref="Endpoints.BodyScreen"/>).</summary>
    public static void Screen(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        if (document.RootElement.ValueKind == JsonValueKind.Object)
        {
            s_fields.Check(document.RootElement);
        }
    }
}
