using Portage.Client.Tests.Fakes;
using Portage.Protocol.Runs;

namespace Portage.Client.Tests;

/// <summary>The Copass client SSE rules (copass-compat §11.1), run through <see cref="AgentRouter.RunAsync"/>.</summary>
public sealed class SseParsingTests
{
    private const string FullStream =
        "event: run_started\ndata: {\"run_id\":\"run_1\",\"session_id\":null,\"context_window_id\":\"ds_w\"}\n\n" +
        "event: agent_text_delta\ndata: {\"text\":\"Hel\"}\n\n" +
        "event: agent_tool_call\ndata: {\"call_id\":\"c1\",\"name\":\"search\",\"arguments\":{\"q\":\"x\"}}\n\n" +
        "event: agent_tool_result\ndata: {\"call_id\":\"c1\",\"name\":\"search\",\"result\":{\"hits\":2},\"error\":null}\n\n" +
        "event: agent_text_delta\ndata: {\"text\":\"lo\"}\n\n" +
        "event: agent_finish\ndata: {\"stop_reason\":\"end_turn\",\"session_id\":\"sess_1\",\"usage\":{\"input_tokens\":3," +
        "\"output_tokens\":5,\"cost_microcents\":7,\"cost_breakdown_microcents\":{\"input\":2,\"output\":5,\"total\":7}}," +
        "\"run_id\":\"run_1\",\"context_window_id\":\"ds_w\",\"provider\":\"echo\",\"model\":\"echo-1\"}\n\n";

    [Fact]
    public async Task Lf_frames_parse_into_the_protocol_events()
    {
        var events = await RunAsync(FullStream);

        Assert.Collection(
            events,
            e => Assert.Equal(new RunStarted("run_1", null, "ds_w"), e),
            e => Assert.Equal("Hel", Assert.IsType<AgentTextDelta>(e).Text),
            e =>
            {
                var call = Assert.IsType<AgentToolCall>(e);
                Assert.Equal(("c1", "search", "x"), (call.CallId, call.Name, call.Arguments.GetProperty("q").GetString()));
            },
            e =>
            {
                var result = Assert.IsType<AgentToolResult>(e);
                Assert.Equal(2, result.Result.GetProperty("hits").GetInt32());
                Assert.Null(result.Error);
            },
            e => Assert.Equal("lo", Assert.IsType<AgentTextDelta>(e).Text),
            e =>
            {
                var finish = Assert.IsType<AgentFinish>(e);
                Assert.Equal(("end_turn", "sess_1", "run_1", "ds_w"), (finish.StopReason, finish.SessionId, finish.RunId, finish.ContextWindowId));
                Assert.Equal((3L, 5L, 7L, 7L), (finish.Usage.InputTokens, finish.Usage.OutputTokens, finish.Usage.CostMicrocents, finish.Usage.CostBreakdownMicrocents.Total));
                Assert.Equal(("echo", "echo-1"), (finish.Provider, finish.Model));
            });
    }

    [Fact]
    public async Task A_context_compacted_frame_parses_into_its_event_between_run_started_and_the_first_delta()
    {
        var stream = FullStream.Replace(
            "event: agent_text_delta\ndata: {\"text\":\"Hel\"}",
            "event: context_compacted\ndata: {\"summary_seq\":41,\"replaced_from_seq\":1,\"replaced_to_seq\":32,\"tokens_before\":26000,\"tokens_after\":5200}\n\n" +
            "event: agent_text_delta\ndata: {\"text\":\"Hel\"}",
            StringComparison.Ordinal);

        var events = await RunAsync(stream);

        Assert.Equal(new ContextCompacted(41, 1, 32, 26000, 5200), events[1]);
        Assert.Equal("Hello", string.Concat(events.OfType<AgentTextDelta>().Select(d => d.Text)));
        Assert.IsType<AgentFinish>(events[^1]);
    }

    [Fact]
    public async Task Crlf_frames_parse_like_lf_frames()
    {
        var lf = await RunAsync(FullStream);
        var crlf = await RunAsync(FullStream.Replace("\n", "\r\n", StringComparison.Ordinal));

        Assert.Equal(lf.Count, crlf.Count);
        Assert.Equal(Texts(lf), Texts(crlf));
        Assert.Equal("sess_1", Assert.IsType<AgentFinish>(crlf[^1]).SessionId);
    }

    [Fact]
    public async Task Multi_line_data_is_joined_with_newline()
    {
        var events = await RunAsync(
            "event: agent_text_delta\ndata: {\"text\":\ndata: \"two lines\"}\n\n" + Finish);

        Assert.Equal("two lines", Assert.IsType<AgentTextDelta>(events[0]).Text);
    }

    [Fact]
    public async Task Ping_comments_and_id_lines_are_ignored()
    {
        var events = await RunAsync(
            ": ping\n\n" +
            "id: run_1:1\nevent: agent_text_delta\n: ping in the middle\ndata: {\"text\":\"a\"}\n\n" +
            ": ping\n\n" +
            "id: run_1:2\n" + Finish);

        Assert.Equal(["a"], Texts(events));
        Assert.IsType<AgentFinish>(events[^1]);
    }

    [Fact]
    public async Task Unknown_events_are_skipped()
    {
        var events = await RunAsync(
            "event: agent_thinking\ndata: {\"text\":\"hmm\"}\n\n" +
            "data: {\"text\":\"default message event\"}\n\n" +
            "event: agent_text_delta\ndata: {\"text\":\"kept\"}\n\n" + Finish);

        Assert.Equal(["kept"], Texts(events));
        Assert.Equal(2, events.Count);
    }

    [Fact]
    public async Task Malformed_json_frames_are_skipped()
    {
        var events = await RunAsync(
            "event: agent_text_delta\ndata: {\"text\":\n\n" +
            "event: agent_text_delta\ndata: not json\n\n" +
            "event: agent_text_delta\ndata: {\"text\":\"kept\"}\n\n" + Finish);

        Assert.Equal(["kept"], Texts(events));
    }

    [Fact]
    public async Task Frames_without_data_are_dropped()
    {
        var events = await RunAsync(
            "event: agent_text_delta\n\n" +
            "event: agent_finish\nid: 7\n\n" +
            "event: agent_text_delta\ndata: {\"text\":\"kept\"}\n\n" + Finish);

        Assert.Equal(["kept"], Texts(events));
        Assert.IsType<AgentFinish>(events[^1]);
    }

    [Fact]
    public async Task Enumeration_stops_at_the_finish_frame_and_releases_the_stream()
    {
        var stream = new TrackingStream(Finish + "event: agent_text_delta\ndata: {\"text\":\"after\"}\n\n");
        using var router = TestRouter.Create(FakeHandler.Sse(stream));

        var events = await TestRouter.CollectAsync(router.RunAsync(TestRouter.Turn()));

        Assert.IsType<AgentFinish>(Assert.Single(events));
        Assert.True(stream.Disposed);
    }

    [Fact]
    public async Task Error_frame_is_terminal_and_keeps_its_type()
    {
        var events = await RunAsync(
            "event: agent_error\ndata: {\"message\":\"provider down\",\"type\":\"provider_error\",\"run_id\":\"run_9\"}\n\n" +
            "event: agent_text_delta\ndata: {\"text\":\"after\"}\n\n");

        var error = Assert.IsType<AgentError>(Assert.Single(events));
        Assert.Equal(("provider down", "provider_error", "run_9"), (error.Message, error.Type, error.RunId));
    }

    [Fact]
    public async Task Missing_terminal_fields_get_the_copass_defaults()
    {
        var finish = Assert.IsType<AgentFinish>(Assert.Single(await RunAsync("event: agent_finish\ndata: {}\n\n")));
        var error = Assert.IsType<AgentError>(Assert.Single(await RunAsync("event: agent_error\ndata: {\"message\":\"x\"}\n\n")));

        Assert.Equal("unknown", finish.StopReason);
        Assert.NotNull(finish.Usage);
        Assert.Equal("Error", error.Type);
    }

    [Fact]
    public async Task Trailing_frame_without_blank_line_is_flushed_at_eof()
    {
        var events = await RunAsync("event: agent_text_delta\ndata: {\"text\":\"a\"}\n\nevent: agent_finish\ndata: {\"stop_reason\":\"end_turn\"}");

        Assert.Equal(2, events.Count);
        Assert.IsType<AgentFinish>(events[1]);
    }

    [Fact]
    public async Task Stream_that_ends_without_a_terminal_frame_just_ends()
    {
        var events = await RunAsync("event: agent_text_delta\ndata: {\"text\":\"cut\"}\n\n");

        Assert.Equal(["cut"], Texts(events));
    }

    private const string Finish =
        "event: agent_finish\ndata: {\"stop_reason\":\"end_turn\",\"session_id\":\"sess_1\",\"usage\":{}}\n\n";

    private static async Task<List<AgentEvent>> RunAsync(string body)
    {
        using var router = TestRouter.Create(FakeHandler.Sse(body));
        return await TestRouter.CollectAsync(router.RunAsync(TestRouter.Turn()));
    }

    private static List<string> Texts(IEnumerable<AgentEvent> events) =>
        events.OfType<AgentTextDelta>().Select(d => d.Text).ToList();
}
