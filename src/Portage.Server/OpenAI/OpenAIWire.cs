using System.Text.Json;
using System.Text.Json.Serialization;
using Portage.Protocol.Runs;

namespace Portage.Server.OpenAI;

// OpenAI's wire, as much of it as Portage reads and writes (https://platform.openai.com/docs/api-reference/chat).

/// <summary>The body of <c>POST /v1/chat/completions</c>; the fields Portage refuses are screened from the raw JSON.</summary>
internal sealed record ChatCompletionRequest
{
    public string? Model { get; init; }

    public IReadOnlyList<ChatRequestMessage?>? Messages { get; init; }

    public bool? Stream { get; init; }

    public ChatStreamOptions? StreamOptions { get; init; }

    /// <summary>The end user; with it the turns are recorded in their window.</summary>
    public string? User { get; init; }

    public int? MaxTokens { get; init; }

    public int? MaxCompletionTokens { get; init; }
}

/// <summary>One message of the request: its content is a string, a list of text parts, or null.</summary>
internal sealed record ChatRequestMessage
{
    public string? Role { get; init; }

    public JsonElement? Content { get; init; }
}

internal sealed record ChatStreamOptions
{
    public bool? IncludeUsage { get; init; }
}

/// <summary>A whole answer (<c>stream</c> false).</summary>
internal sealed record ChatCompletion(string Id, long Created, string Model, IReadOnlyList<ChatChoice> Choices, ChatUsage Usage, PortageCompletion Portage)
{
    public string Object { get; init; } = "chat.completion";

    public string? SystemFingerprint { get; init; }
}

internal sealed record ChatChoice(int Index, ChatAnswer Message, string FinishReason)
{
    public JsonElement? Logprobs { get; init; }
}

internal sealed record ChatAnswer(string Content)
{
    public string Role { get; init; } = "assistant";

    public string? Refusal { get; init; }
}

/// <summary>One <c>data:</c> line of a streamed answer.</summary>
internal sealed record ChatCompletionChunk(string Id, long Created, string Model, IReadOnlyList<ChunkChoice> Choices)
{
    public string Object { get; init; } = "chat.completion.chunk";

    public string? SystemFingerprint { get; init; }

    /// <summary>Only on the last chunk, and only with <c>stream_options.include_usage</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ChatUsage? Usage { get; init; }

    /// <summary>Portage extension, on the chunk that carries the finish reason.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PortageCompletion? Portage { get; init; }
}

internal sealed record ChunkChoice(int Index, ChunkDelta Delta, string? FinishReason)
{
    public JsonElement? Logprobs { get; init; }
}

internal sealed record ChunkDelta
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Role { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Content { get; init; }
}

/// <summary>OpenAI's usage: prompt tokens include cached ones, completion tokens include reasoning.</summary>
internal sealed record ChatUsage(long PromptTokens, long CompletionTokens, long TotalTokens, PromptTokensDetails PromptTokensDetails, CompletionTokensDetails CompletionTokensDetails);

internal sealed record PromptTokensDetails(long CachedTokens);

internal sealed record CompletionTokensDetails(long ReasoningTokens);

/// <summary>
/// Portage extension (clients ignore it): the run that recorded the turn (null for a gateway call), its window and session,
/// Portage's own stop reason and the usage with its cost.
/// </summary>
internal sealed record PortageCompletion(string? RunId, string? SessionId, string? ContextWindowId, string StopReason, Usage Usage);

internal sealed record ModelList(IReadOnlyList<ModelEntry> Data)
{
    public string Object { get; init; } = "list";
}

internal sealed record ModelEntry(string Id, long Created, string OwnedBy)
{
    public string Object { get; init; } = "model";
}

/// <summary>OpenAI's error body.</summary>
internal sealed record OpenAIErrorBody(OpenAIError Error);

internal sealed record OpenAIError(string Message, string Type, string? Param, string? Code);

/// <summary>The JSON of the OpenAI-compatible routes: snake_case, source-generated, nulls written as OpenAI writes them.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelEntry))]
[JsonSerializable(typeof(OpenAIErrorBody))]
internal sealed partial class OpenAIJson : JsonSerializerContext;
