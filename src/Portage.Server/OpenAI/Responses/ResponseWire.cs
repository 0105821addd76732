using System.Text.Json;
using System.Text.Json.Serialization;
using Portage.Protocol.Runs;

namespace Portage.Server.OpenAI.Responses;

// OpenAI's Responses wire, as much of it as Portage reads and writes (https://platform.openai.com/docs/api-reference/responses).

/// <summary>The body of <c>POST /v1/responses</c>; the fields Portage refuses are screened from the raw JSON.</summary>
internal sealed record ResponseRequest
{
    public string? Model { get; init; }

    /// <summary>A string (one user message) or a list of input items.</summary>
    public JsonElement? Input { get; init; }

    public string? Instructions { get; init; }

    public string? PreviousResponseId { get; init; }

    /// <summary>A window id, as a string or <c>{"id": "..."}</c>.</summary>
    public JsonElement? Conversation { get; init; }

    public string? User { get; init; }

    public string? SafetyIdentifier { get; init; }

    public bool? Store { get; init; }

    public bool? Stream { get; init; }

    public int? MaxOutputTokens { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }
}

/// <summary>A response object, whole (<c>stream</c> false, <c>GET</c>) or as a stream event carries it.</summary>
internal sealed record ResponseObject
{
    public required string Id { get; init; }

    public string Object { get; init; } = "response";

    public long CreatedAt { get; init; }

    /// <summary><c>in_progress</c>, <c>completed</c>, <c>incomplete</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    public required string Status { get; init; }

    public ResponseErrorInfo? Error { get; init; }

    public IncompleteDetails? IncompleteDetails { get; init; }

    public string? Instructions { get; init; }

    public int? MaxOutputTokens { get; init; }

    public required string Model { get; init; }

    public IReadOnlyList<ResponseItem> Output { get; init; } = [];

    public bool ParallelToolCalls { get; init; } = true;

    public string? PreviousResponseId { get; init; }

    public ReasoningInfo Reasoning { get; init; } = new(null, null);

    public bool Store { get; init; } = true;

    public double Temperature { get; init; } = 1.0;

    public TextInfo Text { get; init; } = new(new TextFormat("text"));

    public string ToolChoice { get; init; } = "auto";

    public IReadOnlyList<JsonElement> Tools { get; init; } = [];

    public double TopP { get; init; } = 1.0;

    public string Truncation { get; init; } = "disabled";

    public ResponseUsage? Usage { get; init; }

    public string? User { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>The window the response belongs to (every Portage response belongs to one); null for a call that records nothing.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ConversationRef? Conversation { get; init; }

    /// <summary>Portage extension (clients ignore it): run, session, window, Portage's stop reason and the usage with its cost.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PortageCompletion? Portage { get; init; }
}

internal sealed record ResponseErrorInfo(string Code, string Message);

internal sealed record IncompleteDetails(string Reason);

internal sealed record ReasoningInfo(string? Effort, string? Summary);

internal sealed record TextInfo(TextFormat Format);

internal sealed record TextFormat(string Type);

internal sealed record ConversationRef(string Id);

/// <summary>OpenAI's response usage: input tokens include cached ones, output tokens include reasoning.</summary>
internal sealed record ResponseUsage(long InputTokens, InputTokensDetails InputTokensDetails, long OutputTokens, OutputTokensDetails OutputTokensDetails, long TotalTokens);

internal sealed record InputTokensDetails(long CachedTokens);

internal sealed record OutputTokensDetails(long ReasoningTokens);

/// <summary>
/// An item of a response's output or input: a <c>message</c> (role and content parts) or an <c>mcp_call</c> (a tool the
/// router ran: server label <c>portage</c>, name, arguments, output or error).
/// </summary>
internal sealed record ResponseItem
{
    public required string Type { get; init; }

    public required string Id { get; init; }

    public required string Status { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Role { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ContentPart>? Content { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ServerLabel { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Arguments { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Output { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }
}

/// <summary>A content part: <c>output_text</c> (with its annotations) or <c>input_text</c>.</summary>
internal sealed record ContentPart(string Type, string Text)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<JsonElement>? Annotations { get; init; }
}

/// <summary>One event of a streamed response (<c>event: {type}</c>, <c>data: {this}</c>); fields an event type has no use for are left out.</summary>
internal sealed record ResponseStreamEvent(string Type)
{
    public long SequenceNumber { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResponseObject? Response { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? OutputIndex { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ItemId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ContentIndex { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResponseItem? Item { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ContentPart? Part { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Delta { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Text { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Arguments { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<JsonElement>? Logprobs { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Code { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }
}

/// <summary>A page of a response's input items.</summary>
internal sealed record ResponseItemList(IReadOnlyList<ResponseItem> Data, string? FirstId, string? LastId, bool HasMore)
{
    public string Object { get; init; } = "list";
}

/// <summary>The answer of <c>DELETE /v1/responses/{id}</c>.</summary>
internal sealed record ResponseDeleted(string Id)
{
    public string Object { get; init; } = "response";

    public bool Deleted { get; init; } = true;
}

/// <summary>The JSON of the Responses routes: snake_case, source-generated, nulls written as OpenAI writes them.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ResponseRequest))]
[JsonSerializable(typeof(ResponseObject))]
[JsonSerializable(typeof(ResponseStreamEvent))]
[JsonSerializable(typeof(ResponseItemList))]
[JsonSerializable(typeof(ResponseDeleted))]
[JsonSerializable(typeof(Usage))]
internal sealed partial class ResponsesJson : JsonSerializerContext;
