using System.Text.Json.Nodes;

namespace Portage.Testing.Fakes.Models;

/// <summary>
/// A model of OpenAI's Chat Completions that answers any request (set as <see cref="FakeProviderServer.Responder"/>),
/// streamed (chunks, a usage chunk when asked, <c>[DONE]</c>) or not, with <see cref="FakeTurn"/>'s behaviour. A
/// request whose messages and <c>max_tokens</c> exceed the model's context (<see cref="FakeModelApi.Limits"/>) is refused with 400
/// <c>context_length_exceeded</c>, as OpenAI does.
/// </summary>
public sealed class OpenAIChatModel : FakeModelApi
{
    private int _answers;

    /// <inheritdoc/>
    protected override FakeResponse Answer(JsonObject body, string path)
    {
        var model = body["model"]!.GetValue<string>();
        var maxTokens = (body["max_completion_tokens"] ?? body["max_tokens"])?.GetValue<int>();
        var input = WireTokens.Count(body);
        if (!Limits.Fits(model, input, maxTokens, countOutput: true))
        {
            var message = Limits.Refuse(
                $"This model's maximum context length is {Limits.Of(model)} tokens. However, you requested {input + maxTokens} tokens ({input} in the messages, {maxTokens} in the completion). Please reduce the length of the messages or completion.");
            return FakeResponse.Json(400, new JsonObject
            {
                ["error"] = new JsonObject { ["message"] = message, ["type"] = "invalid_request_error", ["param"] = "messages", ["code"] = "context_length_exceeded" },
            }.ToJsonString());
        }

        var said = body["messages"]!.AsArray()
            .Where(m => m!["role"]!.GetValue<string>() is not ("system" or "developer"))
            .Select(m => new FakeMessage(m!["role"]!.GetValue<string>(), Text(m["content"])))
            .ToList();
        var weather = body["tools"] is JsonArray tools && tools.Any(t => t?["function"]?["name"]?.GetValue<string>() == "get_weather");
        var answer = FakeTurn.Answer(model, said, weather, maxTokens);
        var n = Interlocked.Increment(ref _answers);
        var id = $"chatcmpl-fake{n}";
        JsonObject usage = new() { ["prompt_tokens"] = input, ["completion_tokens"] = answer.OutputTokens, ["total_tokens"] = input + answer.OutputTokens };
        JsonArray? calls = answer.ToolLocation is { } location
            ? [new JsonObject { ["index"] = 0, ["id"] = $"call_fake{n}", ["type"] = "function", ["function"] = new JsonObject { ["name"] = "get_weather", ["arguments"] = new JsonObject { ["location"] = location }.ToJsonString() } }]
            : null;
        var finish = calls is null ? "stop" : "tool_calls";
        if (body["stream"]?.GetValue<bool>() != true)
        {
            var message = new JsonObject { ["role"] = "assistant", ["content"] = answer.Text, ["refusal"] = null };
            if (calls is not null)
            {
                message["tool_calls"] = calls;
            }

            return FakeResponse.Json(200, new JsonObject
            {
                ["id"] = id, ["object"] = "chat.completion", ["created"] = 1_765_000_000, ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["logprobs"] = null, ["finish_reason"] = finish }),
                ["usage"] = usage,
            }.ToJsonString());
        }

        var delta = calls is null ? new JsonObject { ["role"] = "assistant", ["content"] = answer.Text } : new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = calls };
        List<string> chunks = [Chunk(id, model, new JsonArray(Choice(delta, null))), Chunk(id, model, new JsonArray(Choice(new JsonObject(), finish)))];
        if (body["stream_options"]?["include_usage"]?.GetValue<bool>() == true)
        {
            chunks.Add(Chunk(id, model, [], usage));
        }

        chunks.Add("data: [DONE]\n\n");
        return new FakeResponse(200, "text/event-stream", chunks);
    }

    private static JsonObject Choice(JsonObject delta, string? finish) =>
        new() { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finish };

    private static string Chunk(string id, string model, JsonArray choices, JsonObject? usage = null) =>
        "data: " + new JsonObject
        {
            ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = 1_765_000_000, ["model"] = model,
            ["choices"] = choices, ["usage"] = usage?.DeepClone(),
        }.ToJsonString() + "\n\n";

    // Content is a string, or parts of which the text ones count.
    private static string Text(JsonNode? content) => content switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? "")),
        _ => "",
    };
}
