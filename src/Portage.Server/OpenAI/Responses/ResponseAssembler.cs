using System.Globalization;
using System.Text;
using Portage.Protocol.Runs;

namespace Portage.Server.OpenAI.Responses;

/// <summary>
/// Turns a run's events into a response: the stream events OpenAI's clients read (<c>response.created</c>, the output
/// items as they open and close, <c>response.output_text.delta</c>, <c>response.mcp_call_arguments.*</c>, then
/// <c>response.completed</c> or <c>response.incomplete</c>, or <c>error</c> and <c>response.failed</c>) and the
/// response object they end with. Text between tool calls is one <c>message</c> item; each tool the router ran is an
/// <c>mcp_call</c> item (server label <c>portage</c>) with its arguments and output: the client sees what ran, and
/// has nothing to execute. The same assembly serves a stream, a whole answer and a stored response read back.
/// </summary>
internal sealed class ResponseAssembler(ResponseObject created)
{
    /// <summary>The MCP server label of the router's own tools.</summary>
    public const string ServerLabel = "portage";

    private readonly List<ResponseItem> _output = [];
    private readonly Dictionary<string, int> _openCalls = new(StringComparer.Ordinal);
    private readonly string _itemSuffix = created.Id.StartsWith("resp_", StringComparison.Ordinal) ? created.Id["resp_".Length..] : created.Id;
    private StringBuilder? _text;
    private long _sequence;

    /// <summary>The response as it ends (or as it stands while in progress).</summary>
    public ResponseObject Response { get; private set; } = created with { Status = "in_progress" };

    /// <summary>The first two events of a stream.</summary>
    public IEnumerable<ResponseStreamEvent> Begin() =>
        [Event("response.created") with { Response = Response }, Event("response.in_progress") with { Response = Response }];

    /// <summary>The stream events of one run event (none for the events a Responses client has no use for).</summary>
    public IEnumerable<ResponseStreamEvent> Add(AgentEvent agentEvent) => agentEvent switch
    {
        AgentTextDelta delta => Text(delta.Text),
        AgentToolCall call => Call(call),
        AgentToolResult result => Result(result),
        AgentFinish finish => Finish(finish.StopReason, finish.Usage, finish),
        AgentError error => Fail(error.Type, error.Message),
        _ => [],
    };

    /// <summary>Ends the response with <paramref name="stopReason"/> (Portage's) and its usage.</summary>
    public IEnumerable<ResponseStreamEvent> Finish(string stopReason, Usage usage, AgentFinish? finish = null)
    {
        var events = CloseText().ToList();
        var incomplete = IncompleteReason(stopReason);
        Response = Response with
        {
            Status = incomplete is null ? "completed" : "incomplete",
            IncompleteDetails = incomplete is null ? null : new IncompleteDetails(incomplete),
            Output = [.. _output],
            Usage = UsageOf(usage),
            Portage = finish is null ? Response.Portage : ChatReplies.Extension(finish, Response.Store),
        };
        events.Add(Event(incomplete is null ? "response.completed" : "response.incomplete") with { Response = Response });
        return events;
    }

    /// <summary>Ends the response as failed with Portage's error <paramref name="code"/>.</summary>
    public IEnumerable<ResponseStreamEvent> Fail(string code, string message, string status = "failed")
    {
        var events = CloseText().ToList();
        Response = Response with { Status = status, Error = new ResponseErrorInfo(code, message), Output = [.. _output] };
        events.Add(Event("error") with { Code = code, Message = message });
        events.Add(Event("response.failed") with { Response = Response });
        return events;
    }

    /// <summary>OpenAI's usage: input counts the cached tokens, output the reasoning ones.</summary>
    public static ResponseUsage UsageOf(Usage usage)
    {
        var chat = ChatReplies.Usage(usage);
        return new ResponseUsage(chat.PromptTokens, new InputTokensDetails(chat.PromptTokensDetails.CachedTokens), chat.CompletionTokens,
            new OutputTokensDetails(chat.CompletionTokensDetails.ReasoningTokens), chat.TotalTokens);
    }

    // OpenAI names one reason, max_output_tokens; Portage's other cut-offs keep their own names.
    private static string? IncompleteReason(string stopReason) => stopReason switch
    {
        "max_tokens" => "max_output_tokens",
        "max_cycles" or "timeout" or "content_filter" => stopReason,
        _ => null,
    };

    private List<ResponseStreamEvent> Text(string delta)
    {
        var events = new List<ResponseStreamEvent>();
        if (_text is null)
        {
            _text = new StringBuilder();
            _output.Add(Message(ItemId("msg"), "in_progress", []));
            events.Add(Event("response.output_item.added") with { OutputIndex = _output.Count - 1, Item = _output[^1] });
            events.Add(TextEvent("response.content_part.added") with { Part = OutputText("") });
        }

        _text.Append(delta);
        events.Add(TextEvent("response.output_text.delta") with { Delta = delta, Logprobs = [] });
        return events;
    }

    private IEnumerable<ResponseStreamEvent> CloseText()
    {
        if (_text is null)
        {
            return [];
        }

        var text = _text.ToString();
        var part = OutputText(text);
        _output[^1] = Message(_output[^1].Id, "completed", [part]);
        IEnumerable<ResponseStreamEvent> events =
        [
            TextEvent("response.output_text.done") with { Text = text, Logprobs = [] },
            TextEvent("response.content_part.done") with { Part = part },
            Event("response.output_item.done") with { OutputIndex = _output.Count - 1, Item = _output[^1] },
        ];
        _text = null;
        return events;
    }

    private List<ResponseStreamEvent> Call(AgentToolCall call)
    {
        var events = CloseText().ToList();
        var arguments = call.Arguments.GetRawText();
        var item = new ResponseItem { Type = "mcp_call", Id = ItemId("mcp"), Status = "in_progress", ServerLabel = ServerLabel, Name = call.Name, Arguments = "" };
        _output.Add(item);
        var index = _output.Count - 1;
        _openCalls[call.CallId] = index;
        events.Add(Event("response.output_item.added") with { OutputIndex = index, Item = item });
        events.Add(Event("response.mcp_call_arguments.delta") with { OutputIndex = index, ItemId = item.Id, Delta = arguments });
        events.Add(Event("response.mcp_call_arguments.done") with { OutputIndex = index, ItemId = item.Id, Arguments = arguments });
        events.Add(Event("response.mcp_call.in_progress") with { OutputIndex = index, ItemId = item.Id });
        _output[index] = item with { Arguments = arguments };
        return events;
    }

    private IEnumerable<ResponseStreamEvent> Result(AgentToolResult result)
    {
        if (!_openCalls.Remove(result.CallId, out var index))
        {
            return [];
        }

        var item = _output[index] with
        {
            Status = result.Error is null ? "completed" : "failed",
            Output = result.Error is null ? result.Result.GetRawText() : null,
            Error = result.Error,
        };
        _output[index] = item;
        return
        [
            Event(result.Error is null ? "response.mcp_call.completed" : "response.mcp_call.failed") with { OutputIndex = index, ItemId = item.Id },
            Event("response.output_item.done") with { OutputIndex = index, Item = item },
        ];
    }

    private static ResponseItem Message(string id, string status, IReadOnlyList<ContentPart> content) =>
        new() { Type = "message", Id = id, Status = status, Role = "assistant", Content = content };

    // Ids from the response's own and the item's place, so that a response read back names its items as its stream did.
    private string ItemId(string prefix) => string.Create(CultureInfo.InvariantCulture, $"{prefix}_{_itemSuffix}_{_output.Count}");

    private static ContentPart OutputText(string text) => new("output_text", text) { Annotations = [] };

    private ResponseStreamEvent TextEvent(string type) =>
        Event(type) with { OutputIndex = _output.Count - 1, ContentIndex = 0, ItemId = _output[^1].Id };

    private ResponseStreamEvent Event(string type) => new(type) { SequenceNumber = _sequence++ };
}
