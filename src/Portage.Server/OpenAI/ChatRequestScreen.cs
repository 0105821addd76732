using System.Globalization;
using System.Text.Json;

namespace Portage.Server.OpenAI;

/// <summary>
/// Refuses Chat Completions fields that would change what the model does and that Portage does not pass on yet, with
/// 400 <c>unsupported_parameter</c> naming the field (as OpenAI refuses a parameter a model does not take): a client
/// must never believe a setting took effect when the model ran without it. A field sent as null, or with the value
/// that asks for nothing (<c>n: 1</c>, <c>tools: []</c>, <c>tool_choice: "none"</c>, <c>response_format: {"type": "text"}</c>, …),
/// passes; so does every field that does not change the answer (<c>metadata</c>, <c>store</c>, <c>parallel_tool_calls</c>, …).
/// </summary>
internal static class ChatRequestScreen
{
    /// <summary>The refused fields, each with the test of a value that asks for nothing, in the order the README lists them.</summary>
    private static readonly UnsupportedFields s_fields = new(
    [
        ("temperature", Never), ("top_p", Never), ("stop", Never), ("seed", Never), ("frequency_penalty", Never), ("presence_penalty", Never),
        ("logit_bias", Never), ("logprobs", UnsupportedFields.False), ("top_logprobs", Never),
        ("n", v => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n == 1),
        ("tools", EmptyArray), ("tool_choice", v => IsString(v, "none") || IsString(v, "auto")),
        ("functions", EmptyArray), ("function_call", v => IsString(v, "none") || IsString(v, "auto")),
        ("response_format", v => v.ValueKind == JsonValueKind.Object && v.TryGetProperty("type", out var type) && IsString(type, "text")),
        ("reasoning_effort", Never), ("verbosity", Never),
        ("modalities", v => v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(m => IsString(m, "text"))),
        ("audio", Never), ("prediction", Never), ("web_search_options", Never),
    ]);

    /// <summary>The refused fields, for the README and the error detail.</summary>
    public static IEnumerable<string> Fields => s_fields.Fields;

    /// <summary>The screen of <c>POST /v1/chat/completions</c> bodies (<see cref="Endpoints.BodyScreen"/>).</summary>
    public static void Screen(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        s_fields.Check(document.RootElement);
        if (document.RootElement.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            ScreenMessages(messages);
        }
    }

    private static void ScreenMessages(JsonElement messages)
    {
        var i = 0;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind == JsonValueKind.Object)
            {
                if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind != JsonValueKind.Null && !EmptyArray(calls))
                {
                    throw Unsupported(Path(i, "tool_calls"), $"{Path(i, "tool_calls")}: tool calls of tools the client offered are not supported yet; the router runs its own tools and the client sees their final text.");
                }

                if (message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
                {
                    ScreenParts(content, i);
                }
            }

            i++;
        }
    }

    private static void ScreenParts(JsonElement parts, int message)
    {
        var j = 0;
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && !IsString(type, "text"))
            {
                var path = string.Create(CultureInfo.InvariantCulture, $"messages[{message}].content[{j}]");
                throw Unsupported(path, $"{path} is {type.GetString()} content, which is not supported yet: Portage passes text only and the model would never see it. Send text parts only.");
            }

            j++;
        }
    }

    private static bool Never(JsonElement value) => UnsupportedFields.Never(value);

    private static bool EmptyArray(JsonElement value) => UnsupportedFields.EmptyArray(value);

    private static bool IsString(JsonElement value, string expected) => UnsupportedFields.IsString(value, expected);

    private static string Path(int message, string field) => string.Create(CultureInfo.InvariantCulture, $"messages[{message}].{field}");

    private static OpenAIRequestException Unsupported(string param, string detail) => OpenAIRequestException.BadRequest("unsupported_parameter", detail, param);
}
