using System.Text.Json;
using Portage.Cli.Tests.Fakes;

namespace Portage.Cli.Tests;

public sealed class RunCommandTests
{
    [Fact]
    public async Task Text_goes_to_stdout_and_the_session_line_to_stderr()
    {
        var cli = new TestCli();
        cli.Server!.Respond = (_, _) => FakeServer.Sse(
            Frames.Started("run_1", "ds_w"), Frames.Delta("Hello, "), Frames.Delta("world"), Frames.Finish("sess_9", "ds_w"));

        var exit = await cli.RunAsync("run", "hi");

        Assert.Equal(0, exit);
        Assert.Equal("Hello, world\n", cli.Out.ToString().ReplaceLineEndings("\n"));
        Assert.Equal("session_id=sess_9 context_window_id=ds_w", cli.Error.ToString().Trim());
    }

    [Fact]
    public async Task Agent_error_exits_1_with_type_and_message()
    {
        var cli = new TestCli();
        cli.Server!.Respond = (_, _) => FakeServer.Sse(Frames.Delta("partial"), Frames.Error("provider_error", "upstream 529"));

        var exit = await cli.RunAsync("run", "hi");

        Assert.Equal(1, exit);
        Assert.Equal("partial", cli.Out.ToString().Trim());
        Assert.Equal("error (provider_error): upstream 529", cli.Error.ToString().Trim());
    }

    [Fact]
    public async Task Stream_without_terminal_frame_exits_1()
    {
        var cli = new TestCli();
        cli.Server!.Respond = (_, _) => FakeServer.Sse(Frames.Delta("cut"));

        var exit = await cli.RunAsync("run", "hi");

        Assert.Equal(1, exit);
        Assert.Contains("ended without agent_finish", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_prints_one_event_object_per_line()
    {
        var cli = new TestCli();
        cli.Server!.Respond = (_, _) => FakeServer.Sse(
            Frames.Started("run_1", "ds_w"), Frames.Delta("a\nb"), Frames.ToolCall("search", "{\"q\":1}"), Frames.Finish("sess_9", "ds_w"));

        var exit = await cli.RunAsync("run", "hi", "--json");

        Assert.Equal(0, exit);
        var lines = cli.Out.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        var events = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(
            ["run_started", "agent_text_delta", "agent_tool_call", "agent_finish"],
            events.Select(e => e.GetProperty("event").GetString()));
        Assert.Equal("a\nb", events[1].GetProperty("data").GetProperty("text").GetString());
        Assert.Equal(1, events[2].GetProperty("data").GetProperty("arguments").GetProperty("q").GetInt32());
        Assert.Equal("sess_9", events[3].GetProperty("data").GetProperty("session_id").GetString());
        Assert.All(events, e => Assert.False(e.GetProperty("data").TryGetProperty("event_name", out _)));
    }

    [Fact]
    public async Task Json_mode_exits_1_on_agent_error()
    {
        var cli = new TestCli();
        cli.Server!.Respond = (_, _) => FakeServer.Sse(Frames.Error("timeout", "took too long"));

        var exit = await cli.RunAsync("run", "hi", "--json");

        Assert.Equal(1, exit);
        Assert.Contains("\"event\":\"agent_error\"", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_map_onto_the_run_request()
    {
        var cli = new TestCli();

        await cli.RunAsync(
            "run", "Which are blocked?", "--provider", "google", "--model", "gemini-3.1-pro", "--system", "Be brief.",
            "--session", "sess_1", "--end-user", "org:u-1", "--window", "ds_w", "--new-window");

        var body = Assert.Single(cli.Server!.Runs);
        Assert.Equal("google", body.GetProperty("provider").GetString());
        Assert.Equal("gemini-3.1-pro", body.GetProperty("model").GetString());
        Assert.Equal("Be brief.", body.GetProperty("system_prompt").GetString());
        Assert.Equal("sess_1", body.GetProperty("session_id").GetString());
        Assert.Equal("org:u-1", body.GetProperty("end_user_id").GetString());
        Assert.Equal("ds_w", body.GetProperty("context_window_id").GetString());
        Assert.True(body.GetProperty("new_window").GetBoolean());
        Assert.Equal("Which are blocked?", body.GetProperty("messages")[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Defaults_are_echo_default_model_and_local_user()
    {
        var cli = new TestCli();

        await cli.RunAsync("run", "hi");

        var body = Assert.Single(cli.Server!.Runs);
        Assert.Equal("echo", body.GetProperty("provider").GetString());
        Assert.Equal("", body.GetProperty("model").GetString());
        Assert.Equal("local-user", body.GetProperty("end_user_id").GetString());
        Assert.False(body.TryGetProperty("session_id", out _));
        Assert.False(body.TryGetProperty("new_window", out _));
    }

    [Fact]
    public async Task Missing_message_is_a_parse_error()
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync("run");

        Assert.NotEqual(0, exit);
        Assert.Contains("Required argument missing", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Empty(cli.Server!.Requests);
    }

    [Fact]
    public async Task Unknown_verb_is_a_parse_error()
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync("fly");

        Assert.NotEqual(0, exit);
        Assert.NotEmpty(cli.Error.ToString());
    }
}
