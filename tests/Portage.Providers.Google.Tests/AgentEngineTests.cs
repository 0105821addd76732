using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Testing.Fakes;

namespace Portage.Providers.Google.Tests;

/// <summary>The Agent Engine client against the documented ADK stream (provider-protocols.md §4.1).</summary>
public sealed class AgentEngineTests
{
    private const string Question = "What is the exchange rate from US dollars to SEK today?";
    private const string Engine = "/v1/projects/my-project/locations/europe-west4/reasoningEngines/1234567890";
    private const string Answer = "The exchange rate from USD to SEK on 2025-04-03 is 1 USD to 9.6607 SEK.";

    private static readonly ChatMessage[] s_run =
    [
        new(ChatRole.System, "You are helpful."),
        new(ChatRole.User, "an earlier question"),
        new(ChatRole.Assistant, "an earlier answer"),
        new(ChatRole.User, Question),
    ];

    internal static FakeResponse SessionCreated(string id) => FakeResponse.Json(200,
        $$$"""{"output": {"id": "{{{id}}}", "app_name": "1234567890", "user_id": "u-1", "state": {}, "events": [], "last_update_time": 1744166956.925927}}""");

    [Fact]
    public async Task New_conversation_creates_a_session_then_streams_the_new_message_with_the_earlier_turns_as_context()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(SessionCreated("sess-1"), FakeResponse.Sse(Transcripts.Read("google/agent-engine-stream.sse")));

        var updates = await GoogleKit.Engine(fake).CollectAsync(s_run, GoogleKit.EngineOptions());

        Assert.Equal(2, fake.Requests.Count);
        var (create, query) = (fake.Requests[0], fake.Requests[1]);
        Assert.Equal(("POST", Engine + ":query"), (create.Method, create.PathAndQuery));
        GoogleKit.JsonEqual("""{"class_method": "async_create_session", "input": {"user_id": "u-1"}}""", create.Body);
        Assert.Equal(("POST", Engine + ":streamQuery?alt=sse"), (query.Method, query.PathAndQuery));
        // The engine never saw the window's earlier turns (rule 6): they ride in front of the new message; the system
        // prompt does not (the deployed agent has its own instructions).
        var message = "Earlier in this conversation, before this agent's last turn:\\nUser: an earlier question\\nAssistant: an earlier answer\\n\\nThe user now says:\\n" + Question;
        GoogleKit.JsonEqual($$$"""{"class_method": "async_stream_query", "input": {"user_id": "u-1", "session_id": "sess-1", "message": "{{{message}}}"}}""", query.Body);
        Assert.All(fake.Requests, r => Assert.Equal("Bearer " + GoogleKit.AccessToken, r.Headers["Authorization"]));

        AssertDocumentedEvents(updates, "sess-1");
    }

    [Fact]
    public async Task Bare_ndjson_framing_reads_the_same_events()
    {
        var ndjson = string.Concat(Transcripts.Read("google/agent-engine-stream.sse").Split('\n')
            .Where(l => l.Length > 0).Select(l => l["data: ".Length..] + "\n"));
        Assert.DoesNotContain("data:", ndjson, StringComparison.Ordinal);
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(SessionCreated("sess-2"), new FakeResponse(200, "application/json", ndjson.Split('\n').Select(l => l + "\n").ToList()));

        var updates = await GoogleKit.Engine(fake).CollectAsync(s_run, GoogleKit.EngineOptions());

        AssertDocumentedEvents(updates, "sess-2");
    }

    [Fact]
    public async Task A_known_session_is_reused_without_creating_one()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("google/agent-engine-stream.sse")));

        var updates = await GoogleKit.Engine(fake).CollectAsync([new ChatMessage(ChatRole.User, Question)], GoogleKit.EngineOptions(session: "sess-9"));

        var query = Assert.Single(fake.Requests);
        Assert.Equal(Engine + ":streamQuery?alt=sse", query.PathAndQuery);
        Assert.Equal("sess-9", query.Body()["input"]!["session_id"]!.GetValue<string>());
        AssertDocumentedEvents(updates, "sess-9");
    }

    [Fact]
    public async Task Partial_chunks_are_streamed_and_the_final_repeat_is_not_usage_counts_once_per_model_call()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(GoogleKit.Sse(
            """{"author": "a", "partial": true, "content": {"parts": [{"text": "The rate "}], "role": "model"}, "usage_metadata": {"prompt_token_count": 50, "candidates_token_count": 2}}""",
            """{"author": "a", "partial": true, "content": {"parts": [{"text": "is 9.66."}], "role": "model"}, "usage_metadata": {"prompt_token_count": 50, "candidates_token_count": 5}}""",
            """{"author": "a", "content": {"parts": [{"text": "The rate is 9.66."}], "role": "model"}, "usage_metadata": {"prompt_token_count": 50, "candidates_token_count": 5, "thoughts_token_count": 3, "total_token_count": 58}, "turn_complete": true}""")));

        var updates = await GoogleKit.Engine(fake).CollectAsync([new ChatMessage(ChatRole.User, "rate?")], GoogleKit.EngineOptions(session: "s"));

        Assert.Equal(["The rate ", "is 9.66."], updates.All<TextContent>().Select(t => t.Text));
        var usage = Assert.Single(updates.All<UsageContent>()).Details;
        Assert.Equal((50L, 8L, 3L), (usage.InputTokenCount!.Value, usage.OutputTokenCount!.Value, usage.ReasoningTokenCount!.Value));
    }

    [Fact]
    public async Task An_adk_error_event_is_a_provider_error()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(GoogleKit.Sse("""{"author": "a", "error_code": "MALFORMED_FUNCTION_CALL", "error_message": "The model produced a malformed call."}""")));

        var error = await Assert.ThrowsAsync<ProviderException>(() => GoogleKit.Engine(fake).CollectAsync([new ChatMessage(ChatRole.User, "x")], GoogleKit.EngineOptions(session: "s")));

        Assert.Equal(("The model produced a malformed call. (MALFORMED_FUNCTION_CALL)", (int?)null), (error.Message, error.StatusCode));
    }

    [Fact]
    public async Task An_empty_stream_is_a_permanent_error_that_says_what_to_check()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(""));

        var error = await Assert.ThrowsAsync<ProviderException>(() => GoogleKit.Engine(fake).CollectAsync([new ChatMessage(ChatRole.User, "x")], GoogleKit.EngineOptions(session: "s")));

        Assert.False(error.Transient);
        Assert.Contains("empty stream", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_errors_from_the_engine_use_the_google_error_body()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Json(404, """{"error": {"code": 404, "message": "The ReasoningEngine does not exist.", "status": "NOT_FOUND"}}"""));

        var error = await Assert.ThrowsAsync<ProviderException>(() => GoogleKit.Engine(fake).CollectAsync(s_run, GoogleKit.EngineOptions()));

        Assert.Equal(("The ReasoningEngine does not exist. (HTTP 404, NOT_FOUND)", 404, false), (error.Message, error.StatusCode, error.Transient));
    }

    [Theory]
    [InlineData("evil.example/#", "123")]
    [InlineData("us-central1", "../../other")]
    public async Task A_location_or_engine_id_that_could_redirect_the_token_is_refused_before_any_request(string location, string engineId)
    {
        await using var fake = await FakeProviderServer.StartAsync();

        var error = await Assert.ThrowsAsync<ProviderException>(() => GoogleKit.Engine(fake).CollectAsync(s_run, GoogleKit.EngineOptions(engineId, location)));

        Assert.False(error.Transient);
        Assert.Empty(fake.Requests);
    }

    private static void AssertDocumentedEvents(List<ChatResponseUpdate> updates, string sessionId)
    {
        Assert.All(updates, u => Assert.Equal(sessionId, u.ConversationId));

        var call = Assert.Single(updates.All<FunctionCallContent>());
        Assert.Equal(("adk-2b9230a6-4b92-4a1b-9a65-b708ff6c68b6", "get_exchange_rate", true), (call.CallId, call.Name, call.InformationalOnly));
        Assert.Equal(["currency_date", "currency_from", "currency_to"], call.Arguments!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("SEK", ((JsonElement)call.Arguments["currency_to"]!).GetString());

        var result = Assert.Single(updates.All<FunctionResultContent>());
        Assert.Equal(call.CallId, result.CallId);
        Assert.Equal(9.6607, ((JsonElement)result.Result!).GetProperty("rates").GetProperty("SEK").GetDouble());

        Assert.Equal(Answer, Assert.Single(updates.All<TextContent>()).Text);
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        Assert.Empty(updates.All<UsageContent>());

        // Order as the engine sent it: call, result, answer.
        var kinds = updates.SelectMany(u => u.Contents).Select(c => c.GetType().Name).ToList();
        Assert.Equal([nameof(FunctionCallContent), nameof(FunctionResultContent), nameof(TextContent)], kinds);
    }
}
