using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Portage.Providers.Google.Gemini;

/// <summary>Builds a <c>generateContent</c> request body (camelCase) from MEAI messages and options.</summary>
internal static class GeminiRequest
{
    public static JsonObject Build(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var list = messages.ToList();
        var body = new JsonObject();

        var instructions = list.Where(m => m.Role == ChatRole.System).Select(m => m.Text)
            .Prepend(options?.Instructions)
            .Where(t => !string.IsNullOrWhiteSpace(t))
            .Select(t => (JsonNode)new JsonObject { ["text"] = t })
            .ToArray();
        if (instructions.Length > 0)
        {
            body["systemInstruction"] = new JsonObject { ["parts"] = new JsonArray(instructions) };
        }

        body["contents"] = Contents(list.Where(m => m.Role != ChatRole.System).ToList());

        if (options?.Tools?.OfType<AIFunctionDeclaration>().ToList() is { Count: > 0 } functions)
        {
            var declarations = new JsonArray();
            foreach (var function in functions)
            {
                declarations.Add(new JsonObject
                {
                    ["name"] = function.Name,
                    ["description"] = function.Description,
                    ["parametersJsonSchema"] = JsonSerializer.SerializeToNode(function.JsonSchema, AIJsonUtilities.DefaultOptions),
                });
            }

            body["tools"] = new JsonArray(new JsonObject { ["functionDeclarations"] = declarations });
            if (ToolConfig(options.ToolMode) is { } toolConfig)
            {
                body["toolConfig"] = toolConfig;
            }
        }

        if (GenerationConfig(options) is { Count: > 0 } generation)
        {
            body["generationConfig"] = generation;
        }

        return body;
    }

    // Roles are user/model, tool results travel in a user turn, and Gemini wants the roles to alternate: consecutive
    // messages of one role become one content.
    private static JsonArray Contents(List<ChatMessage> messages)
    {
        var calls = messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>()
            .GroupBy(c => c.CallId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var unanswered = new Queue<FunctionCallContent>();
        var contents = new JsonArray();
        JsonObject? last = null;
        foreach (var message in messages)
        {
            var role = message.Role == ChatRole.Assistant ? "model" : "user";
            if (role == "model")
            {
                unanswered.Clear();
                foreach (var call in message.Contents.OfType<FunctionCallContent>())
                {
                    unanswered.Enqueue(call);
                }
            }

            var parts = Parts(message.Contents, calls, unanswered);
            if (parts.Count == 0)
            {
                continue;
            }

            if (last is not null && (string?)last["role"] == role)
            {
                var existing = last["parts"]!.AsArray();
                foreach (var part in parts)
                {
                    existing.Add(part);
                }

                continue;
            }

            last = new JsonObject { ["role"] = role, ["parts"] = new JsonArray([.. parts]) };
            contents.Add(last);
        }

        return contents;
    }

    private static List<JsonNode> Parts(IList<AIContent> contents, Dictionary<string, FunctionCallContent> calls, Queue<FunctionCallContent> unanswered)
    {
        var parts = new List<JsonNode>();
        for (var i = 0; i < contents.Count; i++)
        {
            var content = contents[i];
            var signature = (string?)null;
            if (!GeminiContent.IsSignatureMarker(content) && content is not TextReasoningContent { ProtectedData: not null }
                && i + 1 < contents.Count && GeminiContent.IsSignatureMarker(contents[i + 1]))
            {
                signature = ((TextReasoningContent)contents[++i]).ProtectedData;
            }

            var part = content switch
            {
                TextContent text when text.Text.Length > 0 || signature is not null => new JsonObject { ["text"] = text.Text },
                TextReasoningContent reasoning when GeminiContent.IsSignatureMarker(reasoning) =>
                    // A signature whose part left no content of its own (for example an empty thought).
                    new JsonObject { ["thought"] = true },
                TextReasoningContent reasoning => ThoughtPart(reasoning),
                FunctionCallContent call => CallPart(call),
                FunctionResultContent result => ResultPart(result, calls, unanswered),
                _ => null,
            };
            if (part is null)
            {
                continue;
            }

            signature ??= (content as TextReasoningContent)?.ProtectedData;
            if (signature is not null)
            {
                part["thoughtSignature"] = signature;
            }

            parts.Add(part);
        }

        return parts;
    }

    private static JsonObject ThoughtPart(TextReasoningContent reasoning) => new()
    {
        ["thought"] = true,
        ["text"] = reasoning.Text,
    };

    private static JsonObject CallPart(FunctionCallContent call)
    {
        var functionCall = new JsonObject();
        if (!GeminiContent.HasMintedId(call) && !string.IsNullOrEmpty(call.CallId))
        {
            functionCall["id"] = call.CallId;
        }

        functionCall["name"] = call.Name;
        functionCall["args"] = JsonSerializer.SerializeToNode(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions);
        return new JsonObject { ["functionCall"] = functionCall };
    }

    // Gemini matches a response to its call by name (and id when Gemini gave one). Results whose call is not in the
    // transcript take the next unanswered call of the preceding model turn, in order.
    private static JsonObject? ResultPart(FunctionResultContent result, Dictionary<string, FunctionCallContent> calls, Queue<FunctionCallContent> unanswered)
    {
        FunctionCallContent? call;
        if (calls.TryGetValue(result.CallId, out call))
        {
            var remaining = unanswered.Where(c => !ReferenceEquals(c, call)).ToList();
            unanswered.Clear();
            foreach (var pending in remaining)
            {
                unanswered.Enqueue(pending);
            }
        }
        else if (!unanswered.TryDequeue(out call))
        {
            return null;
        }

        var functionResponse = new JsonObject();
        if (!GeminiContent.HasMintedId(call) && !string.IsNullOrEmpty(call.CallId))
        {
            functionResponse["id"] = call.CallId;
        }

        functionResponse["name"] = call.Name;
        functionResponse["response"] = ResponseObject(result);
        return new JsonObject { ["functionResponse"] = functionResponse };
    }

    // Gemini's response is a JSON object (a protobuf Struct): objects go as they are, anything else is wrapped.
    private static JsonObject ResponseObject(FunctionResultContent result)
    {
        if (result.Exception is { } exception)
        {
            return new JsonObject { ["error"] = exception.Message };
        }

        var node = result.Result switch
        {
            null => null,
            JsonNode json => json.DeepClone(),
            _ => JsonSerializer.SerializeToNode(result.Result, AIJsonUtilities.DefaultOptions),
        };
        return node switch
        {
            JsonObject json => json,
            null => new JsonObject(),
            _ => new JsonObject { ["result"] = node },
        };
    }

    private static JsonObject? ToolConfig(ChatToolMode? mode)
    {
        var (name, only) = mode switch
        {
            NoneChatToolMode => ("NONE", null),
            RequiredChatToolMode required => ("ANY", required.RequiredFunctionName),
            AutoChatToolMode => ("AUTO", (string?)null),
            _ => (null, null),
        };
        if (name is null)
        {
            return null;
        }

        var config = new JsonObject { ["mode"] = name };
        if (only is not null)
        {
            config["allowedFunctionNames"] = new JsonArray(only);
        }

        return new JsonObject { ["functionCallingConfig"] = config };
    }

    private static JsonObject GenerationConfig(ChatOptions? options)
    {
        var config = new JsonObject();
        if (options?.MaxOutputTokens is { } max)
        {
            config["maxOutputTokens"] = max;
        }

        if (options?.Temperature is { } temperature)
        {
            config["temperature"] = temperature;
        }

        if (options?.TopP is { } topP)
        {
            config["topP"] = topP;
        }

        if (options?.StopSequences is { Count: > 0 } stops)
        {
            config["stopSequences"] = new JsonArray([.. stops.Select(s => (JsonNode?)s)]);
        }

        return config;
    }
}
