using System.Net;
using Microsoft.Extensions.AI;
using Portage.Client.Tests.Fakes;
using Portage.Core.Providers;
using Portage.Testing;

namespace Portage.Client.Tests.ChatClient;

/// <summary>
/// <see cref="AgentRouter.AsChatClient"/> with router-run tools (informational content the function-invocation layer
/// leaves alone) and with bad input: errors before streaming and after it are <see cref="AgentRouterException"/>.
/// </summary>
public sealed class ChatClientToolAndErrorTests
{
    [Fact]
    public async Task A_router_run_tool_call_surfaces_as_informational_content_and_is_not_invoked_again()
    {
        var provider = new ScriptedChatClient { Script = (_, _, ct) => ScriptedChatClient.InformationalToolRound(ct) };
        using var app = new PortageApp([Scripted(provider)]);
        using var http = app.CreateClient();
        using var router = ChatClientConversationTests.Router(app, http);
        var invoked = 0;
        var lookup = AIFunctionFactory.Create((string q) => { invoked++; return "client-side"; }, "lookup");
        using var chat = ChatClientConversationTests.Pipeline(router, new ListLoggerFactory(), "scripted");

        var response = await chat.GetResponseAsync("go", new ChatOptions { Tools = [lookup] });

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.True(call.InformationalOnly);
        Assert.Equal(("call_9", "lookup"), (call.CallId, call.Name));
        Assert.Equal("x", call.Arguments!["q"]?.ToString());
        var result = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal("call_9", result.CallId);
        Assert.Equal([ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant], response.Messages.Select(m => m.Role));
        Assert.Equal("It is 42.", response.Messages[^1].Text);
        Assert.Equal(0, invoked);
        Assert.Single(provider.Calls);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task A_streamed_tool_round_yields_call_and_result_updates_in_order()
    {
        var provider = new ScriptedChatClient { Script = (_, _, ct) => ScriptedChatClient.InformationalToolRound(ct) };
        using var app = new PortageApp([Scripted(provider)]);
        using var http = app.CreateClient();
        using var router = ChatClientConversationTests.Router(app, http);
        using var chat = ChatClientConversationTests.Pipeline(router, new ListLoggerFactory(), "scripted");

        var kinds = new List<string>();
        await foreach (var update in chat.GetStreamingResponseAsync("go"))
        {
            kinds.AddRange(update.Contents.Select(c => c.GetType().Name));
        }

        Assert.Equal(["TextContent", "FunctionCallContent", "FunctionResultContent", "TextContent", "UsageContent"], kinds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void No_end_user_is_an_argument_exception_at_AsChatClient(string endUser)
    {
        using var router = new AgentRouter(new AgentRouterOptions { ApiKey = "pk_test", SandboxId = "sb_test" });

        Assert.Throws<ArgumentException>(() => router.AsChatClient(endUser, "echo"));
        Assert.Throws<ArgumentNullException>(() => router.AsChatClient(null!, "echo"));
    }

    [Fact]
    public async Task An_unknown_provider_is_an_AgentRouterException_with_the_routers_error()
    {
        using var app = new PortageApp();
        using var http = app.CreateClient();
        using var router = ChatClientConversationTests.Router(app, http);
        using var chat = ChatClientConversationTests.Pipeline(router, new ListLoggerFactory(), "nope");

        var whole = await Assert.ThrowsAsync<AgentRouterException>(() => chat.GetResponseAsync("hi"));
        var streamed = await Assert.ThrowsAsync<AgentRouterException>(async () =>
        {
            await foreach (var update in chat.GetStreamingResponseAsync("hi", new ChatOptions { ModelId = "nope/model-1" }))
            {
                Assert.Fail($"no update expected: {update}");
            }
        });

        Assert.All(new[] { whole, streamed }, e => Assert.Equal((HttpStatusCode.BadRequest, "unknown_provider"), (e.StatusCode, e.ErrorType)));
        Assert.Contains("nope", whole.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_that_fails_after_streaming_started_is_an_AgentRouterException_of_the_agent_error()
    {
        var provider = new ScriptedChatClient { Script = (_, _, ct) => ScriptedChatClient.FailAfter("partial ", ct) };
        using var app = new PortageApp([Scripted(provider)]);
        using var http = app.CreateClient();
        using var router = ChatClientConversationTests.Router(app, http);
        using var chat = ChatClientConversationTests.Pipeline(router, new ListLoggerFactory(), "scripted");

        var failed = await Assert.ThrowsAsync<AgentRouterException>(() => chat.GetResponseAsync("go"));

        Assert.Equal(("provider_error", "upstream exploded", HttpStatusCode.OK), (failed.ErrorType, failed.Detail, failed.StatusCode));
    }

    [Fact]
    public async Task A_call_without_a_new_user_message_is_an_argument_exception_before_any_request()
    {
        var handler = new FakeHandler();
        using var router = TestRouter.Create(handler);
        using var chat = router.AsChatClient("u-123", "echo");

        await Assert.ThrowsAsync<ArgumentException>(() => chat.GetResponseAsync([new ChatMessage(ChatRole.User, "hi"), new ChatMessage(ChatRole.Assistant, "hello")]));
        Assert.Empty(handler.Requests);
    }

    private static ProviderDefinition Scripted(ScriptedChatClient client) => new()
    {
        Name = "scripted",
        Client = client,
        DefaultModel = "scripted-model",
        ContextBudgetTokens = 100_000,
    };
}
