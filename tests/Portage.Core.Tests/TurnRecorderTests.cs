using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Portage.Core.Recording;
using Portage.Core.Windows;
using Portage.Protocol.Runs;

namespace Portage.Core.Tests;

public sealed class TurnRecorderTests
{
    private static readonly DateTimeOffset s_at = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Text_deltas_are_coalesced_into_one_text_part()
    {
        var recorder = new TurnRecorder();

        var events = ObserveAll(recorder, Text("Hel"), Text("lo"), Text(" world"));

        Assert.Equal(["Hel", "lo", " world"], events.Cast<AgentTextDelta>().Select(e => e.Text));
        var part = Assert.Single(Build(recorder).Parts);
        Assert.Equal(TurnPartType.Text, part.Type);
        Assert.Equal("Hello world", part.Text);
    }

    [Fact]
    public void Text_tool_call_tool_result_and_text_keep_their_order()
    {
        var recorder = new TurnRecorder();

        var events = ObserveAll(recorder,
            Text("Let me "), Text("check. "),
            Update(new FunctionCallContent("call_1", "search", new Dictionary<string, object?> { ["q"] = "x", ["limit"] = 3 })),
            Update(new FunctionResultContent("call_1", new Dictionary<string, object?> { ["hits"] = 1 })),
            Text("Found "), Text("it."));

        Assert.Equal(
            [EventNames.TextDelta, EventNames.TextDelta, EventNames.ToolCall, EventNames.ToolResult, EventNames.TextDelta, EventNames.TextDelta],
            events.Select(e => e.EventName));
        var parts = Build(recorder).Parts;
        Assert.Equal([TurnPartType.Text, TurnPartType.ToolCall, TurnPartType.ToolResult, TurnPartType.Text], parts.Select(p => p.Type));
        Assert.Equal("Let me check. ", parts[0].Text);
        Assert.Equal("call_1", parts[1].CallId);
        Assert.Equal("search", parts[1].Name);
        Assert.Equal("""{"q":"x","limit":3}""", parts[1].ArgumentsJson);
        Assert.Equal("call_1", parts[2].CallId);
        Assert.Equal("search", parts[2].Name);
        Assert.Equal("""{"hits":1}""", parts[2].ResultJson);
        Assert.Null(parts[2].Error);
        Assert.Equal("Found it.", parts[3].Text);
    }

    [Fact]
    public void Tool_events_carry_the_call_and_the_result_as_json()
    {
        var recorder = new TurnRecorder();

        var events = ObserveAll(recorder,
            Update(new FunctionCallContent("call_1", "search", new Dictionary<string, object?> { ["q"] = "x" })),
            Update(new FunctionResultContent("call_1", new Dictionary<string, object?> { ["hits"] = 1 })));

        var call = Assert.IsType<AgentToolCall>(events[0]);
        Assert.Equal(("call_1", "search"), (call.CallId, call.Name));
        AssertJson("""{"q":"x"}""", call.Arguments.GetRawText());
        var result = Assert.IsType<AgentToolResult>(events[1]);
        Assert.Equal(("call_1", "search"), (result.CallId, result.Name));
        AssertJson("""{"hits":1}""", result.Result.GetRawText());
        Assert.Null(result.Error);
    }

    [Fact]
    public void Tool_call_without_arguments_records_an_empty_object()
    {
        var recorder = new TurnRecorder();

        ObserveAll(recorder, Update(new FunctionCallContent("call_1", "now")));

        AssertJson("{}", Build(recorder).Parts[0].ArgumentsJson);
    }

    [Theory]
    [InlineData("42", """{"value":42}""")]
    [InlineData("\"ok\"", """{"value":"ok"}""")]
    [InlineData("[1,2]", """{"value":[1,2]}""")]
    [InlineData("true", """{"value":true}""")]
    [InlineData("null", """{"value":null}""")]
    [InlineData("""{"already":"object"}""", """{"already":"object"}""")]
    public void Non_object_tool_results_are_wrapped_as_value(string resultJson, string expected)
    {
        var recorder = new TurnRecorder();
        var result = JsonDocument.Parse(resultJson).RootElement.Clone();

        var events = ObserveAll(recorder, Update(new FunctionCallContent("call_1", "t")), Update(new FunctionResultContent("call_1", result)));

        AssertJson(expected, Assert.IsType<AgentToolResult>(events[1]).Result.GetRawText());
        AssertJson(expected, Build(recorder).Parts[1].ResultJson);
    }

    [Fact]
    public void Plain_dotnet_values_as_tool_results_are_wrapped_as_value()
    {
        var recorder = new TurnRecorder();

        ObserveAll(recorder, Update(new FunctionResultContent("call_1", 7)), Update(new FunctionResultContent("call_2", "done")));

        var parts = Build(recorder).Parts;
        AssertJson("""{"value":7}""", parts[0].ResultJson);
        AssertJson("""{"value":"done"}""", parts[1].ResultJson);
    }

    [Fact]
    public void Failed_tool_records_an_empty_result_and_the_error()
    {
        var recorder = new TurnRecorder();

        var events = ObserveAll(recorder,
            Update(new FunctionCallContent("call_1", "fetch")),
            Update(new FunctionResultContent("call_1", "ignored") { Exception = new InvalidOperationException("disk full") }));

        var result = Assert.IsType<AgentToolResult>(events[1]);
        AssertJson("{}", result.Result.GetRawText());
        Assert.Equal("disk full", result.Error);
        var part = Build(recorder).Parts[1];
        AssertJson("{}", part.ResultJson);
        Assert.Equal("disk full", part.Error);
        Assert.Equal("fetch", part.Name);
    }

    [Theory]
    [InlineData("stop", "end_turn")]
    [InlineData("length", "max_tokens")]
    [InlineData("tool_calls", "tool_use")]
    [InlineData("content_filter", "content_filter")]
    [InlineData("something_new", "something_new")]
    public void Finish_reason_maps_to_the_neutral_stop_reason(string finishReason, string stopReason)
    {
        var recorder = new TurnRecorder();

        ObserveAll(recorder, Text("x"), new ChatResponseUpdate { FinishReason = new ChatFinishReason(finishReason) });

        Assert.Equal(stopReason, recorder.StopReason());
    }

    [Fact]
    public void Known_finish_reasons_map_as_documented()
    {
        Assert.Equal("end_turn", StopReasonOf(ChatFinishReason.Stop));
        Assert.Equal("max_tokens", StopReasonOf(ChatFinishReason.Length));
        Assert.Equal("tool_use", StopReasonOf(ChatFinishReason.ToolCalls));
        Assert.Equal("end_turn", new TurnRecorder().StopReason());
    }

    [Fact]
    public void Last_finish_reason_given_is_kept()
    {
        var recorder = new TurnRecorder();

        ObserveAll(recorder,
            new ChatResponseUpdate { FinishReason = ChatFinishReason.ToolCalls },
            Text("more"),
            new ChatResponseUpdate { FinishReason = ChatFinishReason.Length });

        Assert.Equal("max_tokens", recorder.StopReason());
    }

    [Fact]
    public void Reported_usage_puts_cache_reads_cache_writes_and_reasoning_in_their_own_tiers()
    {
        var recorder = new TurnRecorder();
        var details = new UsageDetails
        {
            InputTokenCount = 100,
            CachedInputTokenCount = 40,
            OutputTokenCount = 20,
            ReasoningTokenCount = 5,
            AdditionalCounts = new() { ["CacheCreationInputTokens"] = 7 },
        };

        ObserveAll(recorder, Text("hello"), Update(new UsageContent(details)));

        var usage = recorder.BuildUsage([new ChatMessage(ChatRole.User, "ignored when usage is reported")]);
        // MEAI counts cache reads and writes inside InputTokenCount and reasoning inside OutputTokenCount.
        Assert.Equal(53, usage.InputTokens);
        Assert.Equal(40, usage.CacheReadInputTokens);
        Assert.Equal(7, usage.CacheCreationInputTokens);
        Assert.Equal(15, usage.OutputTokens);
        Assert.Equal(5, usage.ThinkingTokens);
        Assert.Equal(15, Build(recorder).TokenEstimate);
    }

    [Fact]
    public void Usage_is_estimated_when_the_provider_reports_none()
    {
        var recorder = new TurnRecorder();

        ObserveAll(recorder, Text("12345678"));

        var usage = recorder.BuildUsage([new ChatMessage(ChatRole.System, "abcd"), new ChatMessage(ChatRole.User, "abcdefgh")]);
        Assert.Equal(3, usage.InputTokens);
        Assert.Equal(2, usage.OutputTokens);
        Assert.Null(usage.ThinkingTokens);
        Assert.Equal(usage, recorder.BuildUsage([new ChatMessage(ChatRole.System, "abcd"), new ChatMessage(ChatRole.User, "abcdefgh")]));
    }

    [Fact]
    public void Partial_turn_is_available_whenever_the_stream_stops()
    {
        var recorder = new TurnRecorder();

        ObserveAll(recorder, Text("half an "), Text("answ"));
        var turn = recorder.BuildTurn("echo/echo-1", "echo", "echo-1", "run_1", RunStatus.Cancelled, s_at);

        Assert.Equal(TurnRole.Assistant, turn.Role);
        Assert.Equal("echo/echo-1", turn.Speaker);
        Assert.Equal("echo", turn.Provider);
        Assert.Equal("echo-1", turn.Model);
        Assert.Equal("run_1", turn.RunId);
        Assert.Equal(RunStatus.Cancelled, turn.Status);
        Assert.Equal(s_at, turn.CreatedAt);
        Assert.Equal("half an answ", Assert.Single(turn.Parts).Text);
        Assert.Equal(3, turn.TokenEstimate);
    }

    [Fact]
    public void Usage_and_empty_text_add_no_part()
    {
        var recorder = new TurnRecorder();

        var events = ObserveAll(recorder, Update(new UsageContent(new UsageDetails { InputTokenCount = 3 })), Text(""));

        Assert.Empty(events);
        Assert.Empty(Build(recorder).Parts);
    }

    [Fact]
    public void Providers_conversation_id_is_kept()
    {
        var recorder = new TurnRecorder();

        ObserveAll(recorder, new ChatResponseUpdate { ConversationId = "native-1" }, Text("x"), new ChatResponseUpdate { ConversationId = "native-2" }, Text("y"));

        Assert.Equal("native-2", recorder.ConversationId);
    }

    [Fact]
    public void Reasoning_content_produces_no_event_and_no_part()
    {
        var recorder = new TurnRecorder();

        var events = ObserveAll(recorder, Update(new TextReasoningContent("thinking hard")), Text("answer"));

        Assert.Single(events);
        Assert.Equal("answer", Assert.Single(Build(recorder).Parts).Text);
    }

    [Fact]
    public void Tool_results_are_recorded_as_compact_json_whatever_the_tool_returned()
    {
        var recorder = new TurnRecorder();
        ObserveAll(recorder, Update(new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })));
        var indented = JsonDocument.Parse("{\n  \"sky\": \"clear\",\n  \"temperature_c\": 18\n}").RootElement;

        _ = recorder.ObserveResults([new FunctionResultContent("call_1", indented)]).ToList();

        Assert.Equal("""{"sky":"clear","temperature_c":18}""", Build(recorder).Parts.Single(p => p.Type == TurnPartType.ToolResult).ResultJson);
    }

    private static ChatResponseUpdate Text(string text) => new(ChatRole.Assistant, text);

    private static ChatResponseUpdate Update(AIContent content) => new(ChatRole.Assistant, [content]);

    private static List<AgentEvent> ObserveAll(TurnRecorder recorder, params ChatResponseUpdate[] updates) =>
        updates.SelectMany(u => recorder.Observe(u).ToList()).ToList();

    private static NewTurn Build(TurnRecorder recorder) => recorder.BuildTurn("echo/echo-1", "echo", "echo-1", "run_1", RunStatus.Succeeded, s_at);

    private static string StopReasonOf(ChatFinishReason reason)
    {
        var recorder = new TurnRecorder();
        recorder.Observe(new ChatResponseUpdate { FinishReason = reason });
        return recorder.StopReason();
    }

    private static void AssertJson(string expected, string? actual)
    {
        Assert.NotNull(actual);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"Expected JSON {expected} but found {actual}.");
    }
}

public sealed class TranscriptJsonTests
{
    [Fact]
    public void A_failed_tool_result_is_still_failed_after_the_stored_transcript_is_loaded()
    {
        var failed = new FunctionResultContent("call_1", new Dictionary<string, string> { ["error"] = "down" }) { Exception = new InvalidOperationException("down") };
        var fine = new FunctionResultContent("call_2", 42);

        var loaded = Portage.Core.Sessions.TranscriptJson.Deserialize(
            Portage.Core.Sessions.TranscriptJson.Serialize([new ChatMessage(ChatRole.Tool, [failed, fine])]));

        var results = loaded.Single().Contents.OfType<FunctionResultContent>().ToList();
        Assert.Equal("down", results[0].Exception?.Message);
        Assert.Null(results[1].Exception);
    }

    [Fact]
    public void Stored_transcripts_are_compact()
    {
        var json = Portage.Core.Sessions.TranscriptJson.Serialize([new ChatMessage(ChatRole.User, "hi"), new ChatMessage(ChatRole.Assistant, "hello")]);

        Assert.DoesNotContain('\n', json);
    }
}
