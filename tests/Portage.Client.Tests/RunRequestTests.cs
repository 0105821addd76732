using System.Net;
using System.Text.Json;
using Portage.Client.Tests.Fakes;
using Portage.Protocol.Runs;

namespace Portage.Client.Tests;

public sealed class RunRequestTests
{
    private const string Finish = "event: agent_finish\ndata: {\"stop_reason\":\"end_turn\",\"session_id\":\"s\",\"usage\":{}}\n\n";

    [Fact]
    public async Task Run_posts_snake_case_body_with_bearer_key_to_the_run_path()
    {
        var handler = FakeHandler.Sse(Finish);
        using var router = TestRouter.Create(handler);

        await TestRouter.CollectAsync(router.RunAsync(new RunOptions
        {
            Provider = "anthropic",
            Model = "claude-opus-4-7",
            System = "You are a helpful agent.",
            Message = "What are my open GitHub issues?",
            EndUserId = "u-123",
            SessionId = "sess_abc",
            ContextWindowId = "ds_w",
            NewWindow = true,
            MaxTokens = 512,
            IdempotencyKey = "idem-1",
        }));

        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("http://portage.test/api/v1/storage/sandboxes/sb_test/agents/run", request.Uri.ToString());
        Assert.Equal("Bearer pk_test", request.Authorization);
        Assert.Equal("text/event-stream", request.Accept);
        Assert.Equal("application/json", request.ContentType);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(request.Body!), request.ContentLength);

        using var body = JsonDocument.Parse(request.Body!);
        var root = body.RootElement;
        Assert.Equal("anthropic", root.GetProperty("provider").GetString());
        Assert.Equal("claude-opus-4-7", root.GetProperty("model").GetString());
        Assert.Equal("You are a helpful agent.", root.GetProperty("system_prompt").GetString());
        Assert.Equal("u-123", root.GetProperty("end_user_id").GetString());
        Assert.Equal("sess_abc", root.GetProperty("session_id").GetString());
        Assert.Equal("ds_w", root.GetProperty("context_window_id").GetString());
        Assert.True(root.GetProperty("new_window").GetBoolean());
        Assert.Equal(512, root.GetProperty("max_tokens").GetInt32());
        Assert.Equal("idem-1", root.GetProperty("idempotency_key").GetString());
        var message = Assert.Single(root.GetProperty("messages").EnumerateArray().ToList());
        Assert.Equal("user", message.GetProperty("role").GetString());
        Assert.Equal("What are my open GitHub issues?", message.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Unset_optional_fields_are_left_out_of_the_body()
    {
        var handler = FakeHandler.Sse(Finish);
        using var router = TestRouter.Create(handler);

        await TestRouter.CollectAsync(router.RunAsync(TestRouter.Turn()));

        using var body = JsonDocument.Parse(handler.Requests[0].Body!);
        var names = body.RootElement.EnumerateObject().Select(p => p.Name).Order().ToList();
        Assert.Equal(["end_user_id", "messages", "model", "provider", "system_prompt"], names);
    }

    [Fact]
    public async Task Messages_take_precedence_over_message()
    {
        var handler = FakeHandler.Sse(Finish);
        using var router = TestRouter.Create(handler);
        var options = TestRouter.Turn("ignored");
        options.Messages = [new RunMessage { Role = "user", Content = "one" }, new RunMessage { Role = "user", Content = "two" }];

        await TestRouter.CollectAsync(router.RunAsync(options));

        using var body = JsonDocument.Parse(handler.Requests[0].Body!);
        Assert.Equal(["one", "two"], body.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()));
    }

    [Fact]
    public void Run_without_message_or_messages_throws_before_sending()
    {
        var handler = FakeHandler.Sse(Finish);
        using var router = TestRouter.Create(handler);

        var ex = Assert.Throws<ArgumentException>(() => router.RunAsync(new RunOptions { Provider = "echo", EndUserId = "u" }));

        Assert.Contains("either Message or Messages", ex.Message, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public void Run_without_any_sandbox_id_throws()
    {
        using var router = TestRouter.Create(FakeHandler.Sse(Finish), sandboxId: null);

        var ex = Assert.Throws<ArgumentException>(() => router.RunAsync(TestRouter.Turn()));

        Assert.Contains("no sandbox id", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Per_call_sandbox_id_overrides_the_default_and_is_escaped()
    {
        var handler = FakeHandler.Sse(Finish);
        using var router = TestRouter.Create(handler);

        await TestRouter.CollectAsync(router.RunAsync(TestRouter.Turn(), sandboxId: "sb other"));

        Assert.Equal("/api/v1/storage/sandboxes/sb%20other/agents/run", handler.Requests[0].Uri.AbsolutePath);
    }

    [Fact]
    public async Task Non_2xx_throws_AgentRouterException_with_the_parsed_error_body()
    {
        var handler = FakeHandler.Json(
            "{\"error\":\"session_not_found\",\"detail\":\"no session sess_x in this sandbox\"}", HttpStatusCode.NotFound);
        using var router = TestRouter.Create(handler);

        var ex = await Assert.ThrowsAsync<AgentRouterException>(() => TestRouter.CollectAsync(router.RunAsync(TestRouter.Turn())));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal("session_not_found", ex.ErrorType);
        Assert.Equal("no session sess_x in this sandbox", ex.Detail);
        Assert.Equal("agents.run", ex.Operation);
        Assert.Equal("agents.run: HTTP 404 session_not_found: no session sess_x in this sandbox", ex.Message);
    }

    [Fact]
    public async Task Non_json_error_body_is_kept_as_detail()
    {
        var handler = new FakeHandler
        {
            Respond = (_, _) => new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("<html>bad gateway</html>") },
        };
        using var router = TestRouter.Create(handler);

        var ex = await Assert.ThrowsAsync<AgentRouterException>(() => TestRouter.CollectAsync(router.RunAsync(TestRouter.Turn())));

        Assert.Null(ex.ErrorType);
        Assert.Equal("<html>bad gateway</html>", ex.Detail);
        Assert.Equal("agents.run: HTTP 502 <html>bad gateway</html>", ex.Message);
    }

    [Fact]
    public async Task Runs_are_never_retried()
    {
        var handler = FakeHandler.Json("{\"error\":\"internal\",\"detail\":\"boom\"}", HttpStatusCode.ServiceUnavailable);
        using var router = TestRouter.Create(handler);

        await Assert.ThrowsAsync<AgentRouterException>(() => TestRouter.CollectAsync(router.RunAsync(TestRouter.Turn())));

        Assert.Single(handler.Requests);
    }
}
