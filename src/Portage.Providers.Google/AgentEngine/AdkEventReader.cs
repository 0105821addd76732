using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Providers.Google.Gemini;

namespace Portage.Providers.Google.AgentEngine;

/// <summary>
/// Turns the ADK events of one <c>:streamQuery</c> body (snake_case JSON, one per line) into updates that all carry
/// the engine's session id. The engine runs its own tools, so its calls are informational.
/// </summary>
internal sealed class AdkEventReader(string sessionId)
{
    private readonly List<UsageDetails> _usage = [];
    private UsageDetails? _pendingUsage;
    private bool _partialTextSinceFinal;
    private int _events;

    /// <summary>One line of the body (with or without a <c>data: </c> prefix); null when it yields nothing.</summary>
    public ChatResponseUpdate? ReadLine(string line)
    {
        var data = Data(line);
        if (data is null)
        {
            return null;
        }

        var root = GoogleErrors.ParseFrame("Agent Engine", data, "An event");
        _events++;
        if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            throw GoogleErrors.FromStreamError(error);
        }

        var (code, message) = (Scalar(root, "error_code"), Scalar(root, "error_message"));
        if (code is not null || message is not null)
        {
            message ??= "The agent failed.";
            throw new ProviderException(GoogleProvider.Name, code is null ? message : $"{message} ({code})");
        }

        var partial = root.TryGetProperty("partial", out var p) && p.ValueKind == JsonValueKind.True;
        TrackUsage(root, partial);
        return Contents(root, partial) is { Count: > 0 } contents ? Update(contents) : null;
    }

    /// <summary>The closing update: stop, with the usage of every model call the engine made.</summary>
    public ChatResponseUpdate Complete()
    {
        if (_events == 0)
        {
            // Seen in the field when the engine's service account lacks a role: a 200 that says nothing.
            throw new ProviderException(GoogleProvider.Name,
                "Agent Engine answered with an empty stream. Check that the reasoning engine exists and that its service account may use sessions (aiplatform.sessions.*).",
                transient: false);
        }

        CommitUsage();
        var update = Update(_usage.Count == 0 ? [] : [new UsageContent(Sum(_usage))]);
        update.FinishReason = ChatFinishReason.Stop;
        return update;
    }

    private static string? Data(string line)
    {
        var text = line.Trim();
        if (text.StartsWith("data:", StringComparison.Ordinal))
        {
            text = text["data:".Length..].Trim();
        }
        else if (text.StartsWith(':') || text.StartsWith("event:", StringComparison.Ordinal) || text.StartsWith("id:", StringComparison.Ordinal))
        {
            return null;
        }

        return text.Length == 0 ? null : text;
    }

    private List<AIContent> Contents(JsonElement root, bool partial)
    {
        var contents = new List<AIContent>();
        if (!root.TryGetProperty("content", out var content) || !content.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array)
        {
            return contents;
        }

        var fromModel = GoogleErrors.Text(content, "role") is null or "model";
        foreach (var part in parts.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.Object))
        {
            if (part.TryGetProperty("function_call", out var call) && call.ValueKind == JsonValueKind.Object)
            {
                contents.Add(new FunctionCallContent(GoogleErrors.Text(call, "id") ?? "", GoogleErrors.Text(call, "name") ?? "", Arguments(call))
                {
                    InformationalOnly = true,
                });
            }
            else if (part.TryGetProperty("function_response", out var response) && response.ValueKind == JsonValueKind.Object)
            {
                var result = response.TryGetProperty("response", out var value) ? value.Clone() : default;
                contents.Add(new FunctionResultContent(GoogleErrors.Text(response, "id") ?? "", result.ValueKind == JsonValueKind.Undefined ? null : result));
            }
            else if (GoogleErrors.Text(part, "text") is { Length: > 0 } text && fromModel && !IsThought(part) && ShouldEmitText(partial))
            {
                contents.Add(new TextContent(text));
            }
        }

        if (!partial)
        {
            _partialTextSinceFinal = false;
        }

        return contents;
    }

    // A streaming agent sends its answer as partial chunks, then once more whole in a final event: only one of the
    // two may reach the client.
    private bool ShouldEmitText(bool partial)
    {
        if (partial)
        {
            _partialTextSinceFinal = true;
            return true;
        }

        return !_partialTextSinceFinal;
    }

    // Each model call reports its own usage (running within its partial chunks): the last report before a final
    // event counts once per call.
    private void TrackUsage(JsonElement root, bool partial)
    {
        if (root.TryGetProperty("usage_metadata", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            _pendingUsage = GeminiStreamReader.Usage(usage, snakeCase: true);
        }

        if (!partial)
        {
            CommitUsage();
        }
    }

    private void CommitUsage()
    {
        if (_pendingUsage is not null)
        {
            _usage.Add(_pendingUsage);
            _pendingUsage = null;
        }
    }

    private static UsageDetails Sum(List<UsageDetails> all)
    {
        var total = new UsageDetails();
        foreach (var usage in all)
        {
            total.Add(usage);
        }

        return total;
    }

    // ADK writes error_code as a string, some tools as a number.
    private static string? Scalar(JsonElement root, string property) =>
        root.TryGetProperty(property, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;

    private static bool IsThought(JsonElement part) => part.TryGetProperty("thought", out var t) && t.ValueKind == JsonValueKind.True;

    private static Dictionary<string, object?> Arguments(JsonElement call) =>
        call.TryGetProperty("args", out var args) && args.ValueKind == JsonValueKind.Object
            ? args.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
            : [];

    private ChatResponseUpdate Update(IList<AIContent> contents) => new(ChatRole.Assistant, contents) { ConversationId = sessionId };
}
