using System.Text.Json.Nodes;

namespace Portage.Testing.Fakes.Models;

/// <summary>A whole Messages API answer as the API streams it: message_start, each block start/deltas/stop, message_delta, message_stop.</summary>
internal static class AnthropicStream
{
    public static FakeResponse Of(string id, string model, JsonArray content, string stopReason, JsonObject usage)
    {
        List<string> events =
        [
            Event("message_start", new() { ["type"] = "message_start", ["message"] = new JsonObject
            {
                ["id"] = id, ["type"] = "message", ["role"] = "assistant", ["content"] = new JsonArray(), ["model"] = model,
                ["stop_reason"] = null, ["stop_sequence"] = null, ["usage"] = Started(usage),
            } }),
        ];
        for (var index = 0; index < content.Count; index++)
        {
            var block = content[index]!.AsObject();
            events.AddRange(Block(index, block));
        }

        events.Add(Event("message_delta", new() { ["type"] = "message_delta", ["delta"] = new JsonObject { ["stop_reason"] = stopReason, ["stop_sequence"] = null }, ["usage"] = usage.DeepClone() }));
        events.Add(Event("message_stop", new() { ["type"] = "message_stop" }));
        return new FakeResponse(200, "text/event-stream; charset=utf-8", events);
    }

    // message_start reports the input and one output token, as the API does; message_delta the final counts.
    private static JsonObject Started(JsonObject usage)
    {
        var started = usage.DeepClone().AsObject();
        started["output_tokens"] = 1;
        return started;
    }

    private static IEnumerable<string> Block(int index, JsonObject block)
    {
        var type = block["type"]!.GetValue<string>();
        JsonObject start = type switch
        {
            "thinking" => new() { ["type"] = "thinking", ["thinking"] = "", ["signature"] = "" },
            "tool_use" => new() { ["type"] = "tool_use", ["id"] = block["id"]!.GetValue<string>(), ["name"] = block["name"]!.GetValue<string>(), ["input"] = new JsonObject() },
            _ => new() { ["type"] = "text", ["text"] = "" },
        };
        yield return Event("content_block_start", new() { ["type"] = "content_block_start", ["index"] = index, ["content_block"] = start });
        IEnumerable<JsonObject> deltas = type switch
        {
            "thinking" =>
            [
                new() { ["type"] = "thinking_delta", ["thinking"] = block["thinking"]!.GetValue<string>() },
                new() { ["type"] = "signature_delta", ["signature"] = block["signature"]!.GetValue<string>() },
            ],
            "tool_use" => [new() { ["type"] = "input_json_delta", ["partial_json"] = block["input"]!.ToJsonString() }],
            _ => [new() { ["type"] = "text_delta", ["text"] = block["text"]!.GetValue<string>() }],
        };
        foreach (var delta in deltas)
        {
            yield return Event("content_block_delta", new() { ["type"] = "content_block_delta", ["index"] = index, ["delta"] = delta });
        }

        yield return Event("content_block_stop", new() { ["type"] = "content_block_stop", ["index"] = index });
    }

    private static string Event(string name, JsonObject data) => $"event: {name}\ndata: {data.ToJsonString()}\n\n";
}
