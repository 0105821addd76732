using System.Text.Json.Nodes;

namespace Portage.Testing.Fakes.Models;

/// <summary>
/// A model of Gemini's <c>streamGenerateContent</c> that answers any request (set as
/// <see cref="FakeProviderServer.Responder"/>) with <see cref="FakeTurn"/>'s behaviour; the model is read from the path.
/// A request whose input exceeds the model's context (<see cref="FakeModelApi.Limits"/>) is refused with 400
/// <c>INVALID_ARGUMENT</c> "The input token count (N) exceeds the maximum number of tokens allowed (M).", as Gemini
/// does (its output room is separate, so only the input counts).
/// </summary>
public sealed class GeminiModel : FakeModelApi
{
    /// <inheritdoc/>
    protected override FakeResponse Answer(JsonObject body, string path)
    {
        var from = path.IndexOf("/models/", StringComparison.Ordinal) + "/models/".Length;
        var model = path[from..path.IndexOf(':', from)];
        var maxTokens = body["generationConfig"]?["maxOutputTokens"]?.GetValue<int>();
        var input = WireTokens.Count(body);
        if (!Limits.Fits(model, input, maxTokens, countOutput: false))
        {
            var message = Limits.Refuse($"The input token count ({input}) exceeds the maximum number of tokens allowed ({Limits.Of(model)}).");
            return FakeResponse.Json(400, new JsonObject
            {
                ["error"] = new JsonObject { ["code"] = 400, ["message"] = message, ["status"] = "INVALID_ARGUMENT" },
            }.ToJsonString());
        }

        var said = body["contents"]!.AsArray().Select(Said).ToList();
        var weather = body["tools"] is JsonArray tools
            && tools.Any(t => t?["functionDeclarations"] is JsonArray f && f.Any(d => d?["name"]?.GetValue<string>() == "get_weather"));
        var answer = FakeTurn.Answer(model, said, weather, maxTokens);
        JsonObject part = answer.ToolLocation is { } location
            ? new() { ["functionCall"] = new JsonObject { ["name"] = "get_weather", ["args"] = new JsonObject { ["location"] = location } } }
            : new() { ["text"] = answer.Text };
        var chunk = new JsonObject
        {
            ["candidates"] = new JsonArray(new JsonObject
            {
                ["content"] = new JsonObject { ["parts"] = new JsonArray(part), ["role"] = "model" }, ["finishReason"] = "STOP", ["index"] = 0,
            }),
            ["usageMetadata"] = new JsonObject
            {
                ["promptTokenCount"] = input, ["candidatesTokenCount"] = answer.OutputTokens, ["totalTokenCount"] = input + answer.OutputTokens,
            },
            ["modelVersion"] = model,
        };
        return new FakeResponse(200, "text/event-stream", ["data: " + chunk.ToJsonString() + "\n\n"]);
    }

    // A content of function responses is the tool speaking.
    private static FakeMessage Said(JsonNode? content)
    {
        var parts = content?["parts"] as JsonArray ?? [];
        var responses = parts.Select(p => p?["functionResponse"]).OfType<JsonNode>().ToList();
        return responses.Count > 0
            ? new FakeMessage("tool", string.Concat(responses.Select(r => r["response"]?.ToJsonString() ?? "")))
            : new FakeMessage(content?["role"]?.GetValue<string>() == "model" ? "assistant" : "user", string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? "")));
    }
}
