using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Core.Tenancy;

namespace Portage.Providers.Google.Gemini;

/// <summary>
/// Turns the frames of one <c>streamGenerateContent?alt=sse</c> response into updates: each frame's new parts as
/// content, then (from <see cref="Complete"/>) one closing update with the finish reason and the final usage.
/// Gemini repeats running usage totals on every frame, so only the last one counts.
/// </summary>
internal sealed class GeminiStreamReader(string model, IIdGenerator ids)
{
    private bool _sawFunctionCall;
    private string? _finishReason;
    private string? _blockReason;
    private JsonElement? _usage;
    private string? _responseId;
    private string? _modelVersion;

    /// <summary>The update for one frame's data, or null when it carries no content.</summary>
    public ChatResponseUpdate? Read(string data)
    {
        var root = GoogleErrors.ParseFrame("Gemini", data, "A frame");
        if (root.TryGetProperty("error", out var error))
        {
            throw GoogleErrors.FromStreamError(error);
        }

        _responseId = GoogleErrors.Text(root, "responseId") ?? _responseId;
        _modelVersion = GoogleErrors.Text(root, "modelVersion") ?? _modelVersion;
        if (root.TryGetProperty("usageMetadata", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            _usage = usage;
        }

        if (root.TryGetProperty("promptFeedback", out var feedback))
        {
            _blockReason = GoogleErrors.Text(feedback, "blockReason") ?? _blockReason;
        }

        var contents = new List<AIContent>();
        if (root.TryGetProperty("candidates", out var candidates) && candidates.ValueKind == JsonValueKind.Array && candidates.GetArrayLength() > 0)
        {
            // Portage asks for one candidate; any others are ignored.
            var candidate = candidates[0];
            _finishReason = GoogleErrors.Text(candidate, "finishReason") ?? _finishReason;
            if (candidate.TryGetProperty("content", out var content) && content.TryGetProperty("parts", out var parts) && parts.ValueKind == JsonValueKind.Array)
            {
                foreach (var part in parts.EnumerateArray())
                {
                    AddPart(part, contents);
                }
            }
        }

        return contents.Count == 0 ? null : Update(contents);
    }

    /// <summary>The closing update; a stream that ended without saying why is a cut connection, not an answer.</summary>
    public ChatResponseUpdate Complete()
    {
        var finish = FinishReason();
        if (finish is null)
        {
            throw new ProviderException(GoogleProvider.Name, "The Gemini stream ended before its last chunk (no finishReason): the connection was cut.");
        }

        var update = Update(_usage is { } usage ? [new UsageContent(Usage(usage))] : []);
        update.FinishReason = finish;
        return update;
    }

    /// <summary>Gemini's usage in MEAI's convention: input includes cached tokens, output includes thoughts.</summary>
    public static UsageDetails Usage(JsonElement usage, bool snakeCase = false)
    {
        long? Count(string camel, string snake) =>
            usage.TryGetProperty(snakeCase ? snake : camel, out var value) && value.TryGetInt64(out var n) ? n : null;

        var prompt = Count("promptTokenCount", "prompt_token_count");
        var candidates = Count("candidatesTokenCount", "candidates_token_count");
        var thoughts = Count("thoughtsTokenCount", "thoughts_token_count");
        var details = new UsageDetails
        {
            InputTokenCount = prompt,
            CachedInputTokenCount = Count("cachedContentTokenCount", "cached_content_token_count"),
            OutputTokenCount = candidates is null && thoughts is null ? null : (candidates ?? 0) + (thoughts ?? 0),
            ReasoningTokenCount = thoughts,
            TotalTokenCount = Count("totalTokenCount", "total_token_count"),
        };
        if (Count("toolUsePromptTokenCount", "tool_use_prompt_token_count") is { } toolUse)
        {
            details.AdditionalCounts = new() { ["ToolUsePromptTokenCount"] = toolUse };
        }

        return details;
    }

    private void AddPart(JsonElement part, List<AIContent> contents)
    {
        if (part.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var text = GoogleErrors.Text(part, "text");
        var thought = part.TryGetProperty("thought", out var t) && t.ValueKind == JsonValueKind.True;
        if (text is not null)
        {
            // Thoughts stay in the native transcript only: Core never shows reasoning content to the client.
            contents.Add(thought ? new TextReasoningContent(text) : new TextContent(text));
        }
        else if (part.TryGetProperty("functionCall", out var call) && call.ValueKind == JsonValueKind.Object)
        {
            contents.Add(Call(call));
        }
        else if (thought || part.TryGetProperty("thoughtSignature", out _))
        {
            // A bare signature or an empty thought: the marker below carries it.
        }
        else
        {
            // Parts Portage does not model (inline data, executable code) are not part of its turns.
            return;
        }

        if (GoogleErrors.Text(part, "thoughtSignature") is { } signature)
        {
            contents.Add(GeminiContent.SignatureMarker(signature));
        }
    }

    // Gemini 2.5 sends no call id: one is minted, flagged so it is never sent back as if Gemini had chosen it.
    private FunctionCallContent Call(JsonElement call)
    {
        _sawFunctionCall = true;
        var name = GoogleErrors.Text(call, "name") ?? "";
        var arguments = call.TryGetProperty("args", out var args) && args.ValueKind == JsonValueKind.Object
            ? args.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
            : new Dictionary<string, object?>();
        if (GoogleErrors.Text(call, "id") is { Length: > 0 } id)
        {
            return new FunctionCallContent(id, name, arguments);
        }

        return new FunctionCallContent(ids.NewId("call"), name, arguments)
        {
            AdditionalProperties = new() { [GeminiContent.MintedCallIdKey] = true },
        };
    }

    private ChatFinishReason? FinishReason()
    {
        if (_finishReason is null)
        {
            return _blockReason is null ? null : ChatFinishReason.ContentFilter;
        }

        return _finishReason switch
        {
            "STOP" or "FINISH_REASON_UNSPECIFIED" => _sawFunctionCall ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
            "MAX_TOKENS" => ChatFinishReason.Length,
            "SAFETY" or "RECITATION" or "BLOCKLIST" or "PROHIBITED_CONTENT" or "SPII" or "IMAGE_SAFETY" => ChatFinishReason.ContentFilter,

            // Anything else (OTHER, MALFORMED_FUNCTION_CALL, …) passes through, as the wire's stop_reason allows.
            var other => new ChatFinishReason(other.ToLowerInvariant()),
        };
    }

    private ChatResponseUpdate Update(IList<AIContent> contents) => new(ChatRole.Assistant, contents)
    {
        ResponseId = _responseId,
        MessageId = _responseId,
        ModelId = _modelVersion ?? model,
    };
}
