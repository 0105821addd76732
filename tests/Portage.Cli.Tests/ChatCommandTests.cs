using System.Net;
using Portage.Cli.Tests.Fakes;
using Portage.Testing;

namespace Portage.Cli.Tests;

public sealed class ChatCommandTests
{
    [Fact]
    public async Task Session_id_of_each_finish_is_sent_with_the_next_turn()
    {
        var cli = ChatCli("one\ntwo\nthree\n");

        var exit = await cli.RunAsync("chat");

        Assert.Equal(0, exit);
        var runs = cli.Server!.Runs;
        Assert.Equal(3, runs.Count);
        Assert.False(runs[0].TryGetProperty("session_id", out _));
        Assert.Equal("sess_1", runs[1].GetProperty("session_id").GetString());
        Assert.Equal("sess_2", runs[2].GetProperty("session_id").GetString());
        Assert.Contains("you said: one", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_options_set_provider_model_system_end_user_and_first_session()
    {
        var cli = ChatCli("hi\n");

        await cli.RunAsync("chat", "--provider", "mirror", "--model", "m-1", "--system", "sys", "--end-user", "u-9", "--session", "sess_0");

        var run = Assert.Single(cli.Server!.Runs);
        Assert.Equal(("mirror", "m-1", "sys", "u-9", "sess_0"), (
            run.GetProperty("provider").GetString(), run.GetProperty("model").GetString(),
            run.GetProperty("system_prompt").GetString(), run.GetProperty("end_user_id").GetString(),
            run.GetProperty("session_id").GetString()));
    }

    [Fact]
    public async Task Provider_switch_drops_the_session_and_keeps_the_window()
    {
        var cli = ChatCli("one\n/provider mirror mirror-2\ntwo\n");

        await cli.RunAsync("chat");

        var runs = cli.Server!.Runs;
        Assert.Equal("echo", runs[0].GetProperty("provider").GetString());
        Assert.Equal("mirror", runs[1].GetProperty("provider").GetString());
        Assert.Equal("mirror-2", runs[1].GetProperty("model").GetString());
        Assert.False(runs[1].TryGetProperty("session_id", out _));
        Assert.False(runs[1].TryGetProperty("new_window", out _));
        Assert.Contains("provider mirror/mirror-2 (same window)", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Provider_switch_to_an_unknown_name_is_refused_with_the_server_list_and_the_provider_stays()
    {
        var cli = ChatCli("one\n/provider nosuch\ntwo\n");

        var exit = await cli.RunAsync("chat");

        Assert.Equal(0, exit);
        Assert.Contains(cli.Server!.Requests, r => r.Request.RequestUri!.AbsolutePath == "/api/v1/providers");
        var error = cli.Error.ToString();
        Assert.Contains("error: unknown provider 'nosuch'. Configured: echo, mirror. Not configured", error, StringComparison.Ordinal);
        Assert.Contains("anthropic (set ANTHROPIC_API_KEY)", error, StringComparison.Ordinal);
        Assert.Contains("Still on echo.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("provider nosuch", cli.Out.ToString(), StringComparison.Ordinal);
        var runs = cli.Server.Runs;
        Assert.Equal(("echo", "echo"), (runs[0].GetProperty("provider").GetString(), runs[1].GetProperty("provider").GetString()));
        Assert.Equal("sess_1", runs[1].GetProperty("session_id").GetString());
    }

    [Fact]
    public async Task Provider_switch_to_a_provider_without_a_key_is_refused_with_what_to_set()
    {
        var cli = ChatCli("/provider anthropic claude-sonnet-4-6\nhi\n");

        await cli.RunAsync("chat");

        Assert.Contains("error: provider 'anthropic' is not configured on the server: set ANTHROPIC_API_KEY and restart the router. Still on echo.",
            cli.Error.ToString(), StringComparison.Ordinal);
        var run = Assert.Single(cli.Server!.Runs);
        Assert.Equal("echo", run.GetProperty("provider").GetString());
        Assert.False(run.TryGetProperty("model", out var model) && model.GetString() == "claude-sonnet-4-6");
    }

    [Fact]
    public async Task Against_the_real_router_a_bad_provider_switch_is_refused_and_a_good_one_runs_there()
    {
        using var app = new PortageApp();
        var cli = new TestCli { Server = null, Handler = app.Server.CreateHandler(), Stdin = "/provider nosuch\n/provider openai\n/provider mirror\nhi\n" };
        cli.Environment["PORTAGE_URL"] = "http://localhost";
        cli.Environment["PORTAGE_API_KEY"] = app.Credentials.ApiKey;
        cli.Environment["PORTAGE_SANDBOX_ID"] = app.SandboxId;

        var exit = await cli.RunAsync("chat");

        Assert.Equal(0, exit);
        var error = cli.Error.ToString();
        Assert.Contains("error: unknown provider 'nosuch'. Configured: echo, mirror. Not configured", error, StringComparison.Ordinal);
        Assert.Contains("error: provider 'openai' is not configured on the server: set OPENAI_API_KEY", error, StringComparison.Ordinal);
        Assert.Contains("provider mirror (same window)", cli.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains("Mirror (model mirror-1) received", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Provider_switch_takes_the_server_spelling_of_the_name()
    {
        var cli = ChatCli("/provider MIRROR\nhi\n");

        await cli.RunAsync("chat");

        Assert.Equal("mirror", Assert.Single(cli.Server!.Runs).GetProperty("provider").GetString());
    }

    [Fact]
    public async Task Provider_switch_goes_ahead_when_the_server_has_no_provider_list()
    {
        var cli = ChatCli("/provider mirror\nhi\n");
        var chat = cli.Server!.Respond;
        cli.Server.Respond = (request, body) => request.RequestUri!.AbsolutePath == "/api/v1/providers"
            ? FakeServer.Json("{\"error\":\"not_found\",\"detail\":\"No endpoint\"}", HttpStatusCode.NotFound)
            : chat(request, body);

        await cli.RunAsync("chat");

        Assert.Contains("(could not check the provider:", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Contains("provider mirror (same window)", cli.Out.ToString(), StringComparison.Ordinal);
        Assert.Equal("mirror", Assert.Single(cli.Server.Runs).GetProperty("provider").GetString());
    }

    [Fact]
    public async Task New_sends_new_window_once_and_forgets_the_session()
    {
        var cli = ChatCli("one\n/new\ntwo\nthree\n");

        await cli.RunAsync("chat");

        var runs = cli.Server!.Runs;
        Assert.True(runs[1].GetProperty("new_window").GetBoolean());
        Assert.False(runs[1].TryGetProperty("session_id", out _));
        Assert.False(runs[2].TryGetProperty("new_window", out _));
        Assert.Equal("sess_2", runs[2].GetProperty("session_id").GetString());
    }

    [Fact]
    public async Task Session_prints_the_session_and_window_ids()
    {
        var cli = ChatCli("/session\none\n/session\n");

        await cli.RunAsync("chat");

        var output = cli.Out.ToString();
        Assert.Contains("session_id=- context_window_id=-", output, StringComparison.Ordinal);
        Assert.Contains("session_id=sess_1 context_window_id=ds_w", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Window_prints_the_turns_of_the_current_window()
    {
        var cli = ChatCli("one\n/window\n");

        await cli.RunAsync("chat");

        var turns = cli.Server!.Requests.Single(r => r.Request.Method == HttpMethod.Get);
        Assert.Equal("/api/v1/storage/sandboxes/sb_test/sources/ds_w/turns?end_user_id=local-user", turns.Request.RequestUri!.PathAndQuery);
        var output = cli.Out.ToString();
        Assert.Contains("1 user [succeeded] one", output, StringComparison.Ordinal);
        Assert.Contains("2 assistant [echo/echo-1 succeeded] you said: one", output, StringComparison.Ordinal);
        Assert.Contains("2 turns", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Window_follows_the_pages_and_prints_every_turn_in_order()
    {
        var cli = ChatCli("one\n/window\n");
        var chat = cli.Server!.Respond;
        cli.Server.Respond = (request, body) => request.RequestUri!.AbsolutePath.EndsWith("/turns", StringComparison.Ordinal)
            ? FakeServer.Json(request.RequestUri.Query.Contains("after_seq=2", StringComparison.Ordinal)
                ? "{\"context_window_id\":\"ds_w\",\"end_user_id\":\"local-user\",\"count\":1,\"has_more\":false,\"next_after_seq\":null,\"turns\":[" +
                  "{\"seq\":3,\"role\":\"user\",\"speaker\":\"User\",\"text\":\"three\",\"status\":\"succeeded\",\"created_at\":\"2026-01-01T00:00:02Z\"}]}"
                : "{\"context_window_id\":\"ds_w\",\"end_user_id\":\"local-user\",\"count\":2,\"has_more\":true,\"next_after_seq\":2,\"turns\":[" +
                  "{\"seq\":1,\"role\":\"user\",\"speaker\":\"User\",\"text\":\"one\",\"status\":\"succeeded\",\"created_at\":\"2026-01-01T00:00:00Z\"}," +
                  "{\"seq\":2,\"role\":\"assistant\",\"speaker\":\"echo\",\"text\":\"two\",\"status\":\"succeeded\",\"created_at\":\"2026-01-01T00:00:01Z\"}]}")
            : chat(request, body);

        await cli.RunAsync("chat");

        var pages = cli.Server.Requests.Where(r => r.Request.Method == HttpMethod.Get).Select(r => r.Request.RequestUri!.Query).ToList();
        Assert.Equal(["?end_user_id=local-user", "?end_user_id=local-user&after_seq=2"], pages);
        var output = cli.Out.ToString();
        var (one, two, three) = (output.IndexOf("1 user [succeeded] one", StringComparison.Ordinal),
            output.IndexOf("2 assistant [succeeded] two", StringComparison.Ordinal), output.IndexOf("3 user [succeeded] three", StringComparison.Ordinal));
        Assert.True(one >= 0 && two > one && three > two, output);
        Assert.Contains("3 turns", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Window_before_any_turn_says_so()
    {
        var cli = ChatCli("/window\n");

        await cli.RunAsync("chat");

        Assert.Contains("no context window yet", cli.Out.ToString(), StringComparison.Ordinal);
        Assert.Empty(cli.Server!.Requests);
    }

    [Fact]
    public async Task Archive_archives_the_current_window_and_starts_fresh()
    {
        var cli = ChatCli("one\n/archive\ntwo\n");

        await cli.RunAsync("chat");

        var archive = cli.Server!.Requests.Single(r => r.Request.RequestUri!.AbsolutePath.EndsWith("/archive", StringComparison.Ordinal));
        Assert.Equal("/api/v1/storage/sandboxes/sb_test/sources/ds_w/archive", archive.Request.RequestUri!.AbsolutePath);
        var second = cli.Server.Runs[1];
        Assert.False(second.TryGetProperty("session_id", out _));
        Assert.True(second.GetProperty("new_window").GetBoolean());
    }

    [Fact]
    public async Task Agent_error_is_printed_and_the_chat_goes_on()
    {
        var cli = ChatCli("fail\ntwo\n");

        var exit = await cli.RunAsync("chat");

        Assert.Equal(0, exit);
        Assert.Contains("error (provider_error): upstream down", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, cli.Server!.Runs.Count);
    }

    [Fact]
    public async Task Unknown_session_is_forgotten_so_the_next_turn_works()
    {
        var cli = ChatCli("hi\nagain\n");
        var respond = cli.Server!.Respond;
        cli.Server.Respond = (request, body) => body?.TryGetProperty("session_id", out var s) == true && s.GetString() == "sess_gone"
            ? FakeServer.Json("{\"error\":\"session_not_found\",\"detail\":\"no such session\"}", HttpStatusCode.NotFound)
            : respond(request, body);

        var exit = await cli.RunAsync("chat", "--session", "sess_gone");

        Assert.Equal(0, exit);
        Assert.Contains("error: agents.run: HTTP 404 session_not_found: no such session", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.False(cli.Server.Runs[1].TryGetProperty("session_id", out _));
    }

    [Fact]
    public async Task Tool_calls_and_results_are_shown_inline()
    {
        var cli = ChatCli("tools\n");

        await cli.RunAsync("chat");

        var output = cli.Out.ToString();
        Assert.Contains("[tool search {\"q\":\"x\"}]", output, StringComparison.Ordinal);
        Assert.Contains("[tool search -> {\"hits\":2}]", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quit_and_end_of_input_leave_with_0()
    {
        var quit = ChatCli("/quit\nnever sent\n");
        var eof = ChatCli("");

        Assert.Equal(0, await quit.RunAsync("chat"));
        Assert.Equal(0, await eof.RunAsync("chat"));
        Assert.Empty(quit.Server!.Runs);
    }

    [Fact]
    public async Task Help_and_unknown_commands_answer_locally()
    {
        var cli = ChatCli("/help\n/frobnicate\n");

        await cli.RunAsync("chat");

        var output = cli.Out.ToString();
        Assert.Contains("/provider NAME [MODEL]", output, StringComparison.Ordinal);
        Assert.Contains("unknown command /frobnicate", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejected_key_ends_the_chat_with_2()
    {
        var cli = ChatCli("hi\nagain\n");
        cli.Server!.Respond = (_, _) => FakeServer.Json("{\"error\":\"unauthorized\",\"detail\":\"bad key\"}", HttpStatusCode.Unauthorized);

        var exit = await cli.RunAsync("chat");

        Assert.Equal(2, exit);
        Assert.Contains("the API key was rejected (401): bad key", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Single(cli.Server.Requests);
    }

    /// <summary>A chat against a fake that echoes, numbers its sessions, and serves turns and archive.</summary>
    private static TestCli ChatCli(string stdin)
    {
        var cli = new TestCli { Stdin = stdin };
        var runs = 0;
        cli.Server!.Respond = (request, body) =>
        {
            var path = request.RequestUri!.AbsolutePath;
            if (path.EndsWith("/turns", StringComparison.Ordinal))
            {
                return FakeServer.Json(
                    "{\"context_window_id\":\"ds_w\",\"end_user_id\":\"local-user\",\"count\":2,\"turns\":[" +
                    "{\"seq\":1,\"role\":\"user\",\"speaker\":\"User\",\"text\":\"one\",\"status\":\"succeeded\",\"created_at\":\"2026-01-01T00:00:00Z\"}," +
                    "{\"seq\":2,\"role\":\"assistant\",\"speaker\":\"echo\",\"text\":\"you said: one\",\"provider\":\"echo\",\"model\":\"echo-1\"," +
                    "\"status\":\"succeeded\",\"created_at\":\"2026-01-01T00:00:01Z\"}]}");
            }

            if (path == "/api/v1/providers")
            {
                return FakeServer.Json(
                    "{\"providers\":[" +
                    "{\"name\":\"anthropic\",\"default_model\":\"claude-sonnet-4-6\",\"needs\":\"ANTHROPIC_API_KEY\",\"sessions\":\"minted\",\"configured\":false}," +
                    "{\"name\":\"echo\",\"default_model\":\"echo-1\",\"needs\":\"nothing (offline)\",\"sessions\":\"minted\",\"configured\":true}," +
                    "{\"name\":\"mirror\",\"default_model\":\"mirror-1\",\"needs\":\"nothing (offline)\",\"sessions\":\"minted\",\"configured\":true}]," +
                    "\"count\":3}");
            }

            if (path.EndsWith("/archive", StringComparison.Ordinal))
            {
                return FakeServer.Json("{\"success\":true}");
            }

            runs++;
            var message = body!.Value.GetProperty("messages")[0].GetProperty("content").GetString()!;
            return message switch
            {
                "fail" => FakeServer.Sse(Frames.Started($"run_{runs}", "ds_w"), Frames.Error("provider_error", "upstream down")),
                "tools" => FakeServer.Sse(
                    Frames.Delta("looking"), Frames.ToolCall("search", "{\"q\":\"x\"}"), Frames.ToolResult("search", "{\"hits\":2}"),
                    Frames.Delta("found 2"), Frames.Finish($"sess_{runs}", "ds_w")),
                _ => FakeServer.Sse(Frames.Started($"run_{runs}", "ds_w"), Frames.Delta($"you said: {message}"), Frames.Finish($"sess_{runs}", "ds_w")),
            };
        };
        return cli;
    }
}
