using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Core.Windows;
using Portage.Protocol.Runs;

namespace Portage.Core.Recording;

/// <summary>
/// The tee between provider and client: turns each provider update into wire events and, at the same time, collects
/// what the assistant turn and the session transcript will hold (coalesced text, tool calls and results in order,
/// usage, stop reason). Whatever happens to the stream, <see cref="BuildTurn"/> has the partial result.
/// </summary>
public sealed class TurnRecorder
{
    private readonly List<ChatResponseUpdate> _cycle = [];
    private readonly List<ChatMessage> _messages = [];
    private readonly List<TurnPart> _parts = [];
    private readonly StringBuilder _text = new();
    private readonly Dictionary<string, string> _toolNames = new(StringComparer.Ordinal);
    private long _input;
    private long _output;
    private long _cacheRead;
    private long _cacheCreation;
    private long? _thinking;
    private bool _usageReported;

    /// <summary>The last finish reason the provider gave.</summary>
    public ChatFinishReason? FinishReason { get; private set; }

    /// <summary>The provider's own conversation id, when it has server-side sessions.</summary>
    public string? ConversationId { get; private set; }

    /// <summary>Set when the run stopped for a reason of its own (<c>max_cycles</c>, <c>timeout</c>).</summary>
    public string? ForcedStopReason { get; set; }

    /// <summary>Records one update and returns the wire events it produces.</summary>
    public IEnumerable<AgentEvent> Observe(ChatResponseUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        _cycle.Add(update);
        FinishReason = update.FinishReason ?? FinishReason;
        ConversationId = update.ConversationId ?? ConversationId;
        var events = new List<AgentEvent>();
        foreach (var content in update.Contents)
        {
            switch (content)
            {
                case TextContent { Text.Length: > 0 } text:
                    _text.Append(text.Text);
                    events.Add(new AgentTextDelta(text.Text));
                    break;
                case FunctionCallContent call:
                    FlushText();
                    var arguments = JsonSerializer.SerializeToElement(call.Arguments ?? new Dictionary<string, object?>(), CompactJson.Options);
                    _toolNames[call.CallId] = call.Name;
                    _parts.Add(new TurnPart(TurnPartType.ToolCall, CallId: call.CallId, Name: call.Name, ArgumentsJson: arguments.GetRawText()));
                    events.Add(new AgentToolCall(call.CallId, call.Name, arguments));
                    break;
                case FunctionResultContent result:
                    events.AddRange(ObserveResult(result));
                    break;
                case UsageContent usage:
                    AddUsage(usage.Details);
                    break;
                default:
                    // Reasoning and other provider-specific content stays in the native transcript only.
                    break;
            }
        }

        return events;
    }

    /// <summary>
    /// Closes the current provider response: its messages join the transcript, and the tool calls the router must
    /// execute (those the provider did not run itself) are returned.
    /// </summary>
    public List<FunctionCallContent> EndCycle() =>
        [.. FoldCycle().SelectMany(m => m.Contents).OfType<FunctionCallContent>().Where(c => !c.InformationalOnly)];

    private IList<ChatMessage> FoldCycle()
    {
        var messages = _cycle.ToChatResponse().Messages;
        _messages.AddRange(messages);
        _cycle.Clear();
        return messages;
    }

    /// <summary>Records the router's tool results (one tool message for the model) and returns their wire events.</summary>
    public IEnumerable<AgentEvent> ObserveResults(IList<FunctionResultContent> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        _messages.Add(new ChatMessage(ChatRole.Tool, [.. results]));
        var events = new List<AgentEvent>(results.Count);
        foreach (var result in results)
        {
            events.AddRange(ObserveResult(result));
        }

        return events;
    }

    private List<AgentEvent> ObserveResult(FunctionResultContent result)
    {
        FlushText();
        var name = _toolNames.GetValueOrDefault(result.CallId, "");
        var error = result.Exception?.Message;
        var value = error is null ? AsObject(result.Result) : EmptyObject();
        _parts.Add(new TurnPart(TurnPartType.ToolResult, CallId: result.CallId, Name: name, ResultJson: value.GetRawText(), Error: error));
        return [new AgentToolResult(result.CallId, name, value) { Error = error }];
    }

    /// <summary>The assistant turn as recorded so far (text coalesced, tools in order).</summary>
    public NewTurn BuildTurn(string speaker, string provider, string model, string runId, string status, DateTimeOffset at)
    {
        FlushText();
        var parts = _parts.ToList();
        var tokens = _usageReported && _output > 0 ? (int)Math.Min(_output, int.MaxValue) : parts.Sum(p => TokenEstimator.Estimate(p.Text ?? p.ResultJson));
        return new NewTurn(TurnRole.Assistant, speaker, provider, model, runId, status, at, tokens, parts);
    }

    /// <summary>
    /// Answers the tool calls that will not be executed (the run hit a limit) with a failed result each, so every
    /// <c>agent_tool_call</c> on the wire has its <c>agent_tool_result</c>.
    /// </summary>
    public IEnumerable<AgentEvent> CloseUnansweredCalls(string reason)
    {
        FoldCycle();
        var unanswered = Unanswered(_messages, reason);
        return unanswered.Count == 0 ? [] : ObserveResults([.. unanswered]);
    }

    /// <summary>
    /// The provider-native messages of the response so far, for the session transcript. Tool calls left without a
    /// result (the run was cut off) get a result saying so: providers refuse a transcript with an unanswered call, and
    /// the next turn replays this one.
    /// </summary>
    public List<ChatMessage> ResponseMessages()
    {
        var messages = _messages.Concat(_cycle.ToChatResponse().Messages).ToList();
        var unanswered = Unanswered(messages, "Not executed: the run ended before this tool call was run.");
        if (unanswered.Count > 0)
        {
            messages.Add(new ChatMessage(ChatRole.Tool, [.. unanswered]));
        }

        return messages;
    }

    private static List<FunctionResultContent> Unanswered(List<ChatMessage> messages, string reason)
    {
        var answered = messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Select(r => r.CallId).ToHashSet(StringComparer.Ordinal);
        return [.. messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>()
            .Where(c => !c.InformationalOnly && !answered.Contains(c.CallId))
            .Select(c => new FunctionResultContent(c.CallId, JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["error"] = reason }, CompactJson.Options))
            {
                Exception = new InvalidOperationException(reason),
            })];
    }

    /// <summary>Usage as reported by the provider, or estimated from the text when it reported none.</summary>
    public Usage BuildUsage(IEnumerable<ChatMessage> input)
    {
        if (!_usageReported)
        {
            _input = input.Sum(m => TokenEstimator.Estimate(m.Text));
            _output = TokenEstimator.Estimate(_text.ToString()) + _parts.Sum(p => TokenEstimator.Estimate(p.Text));
        }

        return new Usage
        {
            InputTokens = _input,
            OutputTokens = _output,
            CacheReadInputTokens = _cacheRead,
            CacheCreationInputTokens = _cacheCreation,
            ThinkingTokens = _thinking,
            CostBreakdownMicrocents = new CostBreakdown(),
        };
    }

    /// <summary>The neutral stop reason (copass-compat §3.6).</summary>
    public string StopReason() => ForcedStopReason ?? FinishReason?.Value switch
    {
        null => "end_turn",
        "stop" => "end_turn",
        "length" => "max_tokens",
        "tool_calls" => "tool_use",
        "content_filter" => "content_filter",
        var other => other,
    };

    private void AddUsage(UsageDetails details)
    {
        _usageReported = true;
        var tiers = UsageTiers.From(details);
        _input += tiers.InputTokens;
        _cacheRead += tiers.CacheReadInputTokens;
        _cacheCreation += tiers.CacheCreationInputTokens;
        _output += tiers.OutputTokens;
        if (tiers.ThinkingTokens is { } thinking)
        {
            _thinking = (_thinking ?? 0) + thinking;
        }
    }

    private void FlushText()
    {
        if (_text.Length > 0)
        {
            _parts.Add(TurnPart.OfText(_text.ToString()));
            _text.Clear();
        }
    }

    private static JsonElement AsObject(object? result)
    {
        // Re-serialized compact: tools built with MEAI's defaults return indented JSON, which would cost tokens every
        // time the window is rendered for another provider.
        var element = JsonSerializer.SerializeToElement(result is JsonElement json ? json : result, CompactJson.Options);
        if (element.ValueKind == JsonValueKind.Object)
        {
            return element;
        }

        // The wire promises an object (the Python client does dict(result)); scalars and arrays are wrapped.
        return JsonSerializer.SerializeToElement(new Dictionary<string, JsonElement> { ["value"] = element }, CompactJson.Options);
    }

    private static JsonElement EmptyObject() => JsonDocument.Parse("{}").RootElement.Clone();
}
