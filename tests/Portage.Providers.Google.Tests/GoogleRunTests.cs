using System.Net.Http.Json;
using System.Text.Json;
using Portage.Testing;
using Portage.Testing.Fakes;

namespace Portage.Providers.Google.Tests;

/// <summary>Runs on provider <c>google</c> through the real router (HTTP + SSE), with Gemini and Agent Engine faked.</summary>
public sealed class GoogleRunTests
{
    // Built in the documented chunk shape (§3.2): a thought, a signed text part, more text, cached prompt tokens.
    private static readonly string s_thinkingStream = GoogleKit.Sse(
        """{"candidates": [{"content": {"parts": [{"text": "Weighing the greeting","thought": true}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 1200,"cachedContentTokenCount": 1000,"totalTokenCount": 1207,"thoughtsTokenCount": 7},"modelVersion": "gemini-2.5-flash","responseId": "resp-1"}""",
        """{"candidates": [{"content": {"parts": [{"text": "Hello! ","thoughtSignature": "SIG-hello-1"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 1200,"cachedContentTokenCount": 1000,"candidatesTokenCount": 2,"totalTokenCount": 1209,"thoughtsTokenCount": 7},"modelVersion": "gemini-2.5-flash","responseId": "resp-1"}""",
        """{"candidates": [{"content": {"parts": [{"text": "How can I help?"}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 1200,"cachedContentTokenCount": 1000,"candidatesTokenCount": 6,"totalTokenCount": 1213,"thoughtsTokenCount": 7},"modelVersion": "gemini-2.5-flash","responseId": "resp-1"}""");

    private static Dictionary<string, object?> Body(string message, string? session = null, string? engine = null, string? location = null) => new()
    {
        ["provider"] = "google",
        ["system_prompt"] = "You are a helpful agent.",
        ["messages"] = new[] { new { role = "user", content = message } },
        ["end_user_id"] = "u-123",
        ["session_id"] = session,
        ["reasoning_engine_id"] = engine,
        ["location"] = location,
    };

    private static Dictionary<string, string?> Gemini(FakeProviderServer fake) => new()
    {
        ["Providers:Google:ApiKey"] = GoogleKit.ApiKey,
        ["Providers:Google:BaseUrl"] = fake.BaseUrl,
    };

    private static Dictionary<string, string?> AgentEngine(FakeProviderServer fake) => new()
    {
        ["Providers:Google:Project"] = "proj-1",
        ["Providers:Google:VertexBaseUrl"] = fake.BaseUrl,
        ["Providers:Google:AccessToken"] = GoogleKit.AccessToken,
    };

    [Fact]
    public async Task A_run_streams_the_text_and_finishes_with_usage_thinking_tokens_and_cost()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(s_thinkingStream));
        using var app = new PortageApp(settings: Gemini(fake));

        var frames = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("Hi"));

        Assert.Equal(["run_started", "agent_text_delta", "agent_text_delta", "agent_finish"], frames.Select(f => f.Event));
        Assert.Equal("Hello! How can I help?", frames.Text());
        var finish = frames.Terminal().Json;
        Assert.Equal(("end_turn", "google", "gemini-2.5-flash"), (finish.GetProperty("stop_reason").GetString(), finish.GetProperty("provider").GetString(), finish.GetProperty("model").GetString()));
        var usage = finish.GetProperty("usage");
        // Gemini's candidates (6) are the visible output; its thoughts (7) have their own tier and are not in output_tokens.
        Assert.Equal((200L, 1000L, 6L, 7L), (usage.GetProperty("input_tokens").GetInt64(), usage.GetProperty("cache_read_input_tokens").GetInt64(),
            usage.GetProperty("output_tokens").GetInt64(), usage.GetProperty("thinking_tokens").GetInt64()));

        // gemini-2.5-flash in appsettings.json: input 0.3, cache read 0.03, thinking at the output rate 2.5 (USD per million).
        var cost = usage.GetProperty("cost_breakdown_microcents");
        Assert.Equal((60L, 30L, 18L), (cost.GetProperty("input").GetInt64(), cost.GetProperty("cache_read").GetInt64(), cost.GetProperty("thinking").GetInt64()));
        var tiers = new[] { "input", "output", "cache_read", "cache_creation", "thinking", "compute" }.Sum(t => cost.GetProperty(t).GetInt64());
        Assert.Equal((tiers, tiers), (cost.GetProperty("total").GetInt64(), usage.GetProperty("cost_microcents").GetInt64()));
        Assert.False(usage.TryGetProperty("cost_unknown", out _));

        var request = Assert.Single(fake.Requests);
        Assert.Equal("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", request.PathAndQuery);
        GoogleKit.JsonEqual("""{"parts": [{"text": "You are a helpful agent."}]}""", request.Body()["systemInstruction"]!.ToJsonString());
    }

    [Fact]
    public async Task A_continued_session_replays_the_native_transcript_with_thoughts_and_signatures()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(s_thinkingStream), FakeResponse.Sse(Transcripts.Read("google/text.sse")));
        using var app = new PortageApp(settings: Gemini(fake));

        var first = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("Hi"));
        var session = first.Terminal().Json.GetProperty("session_id").GetString();
        var second = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("What is the weather in Paris?", session));

        Assert.Equal(session, second.Terminal().Json.GetProperty("session_id").GetString());
        Assert.Equal("The weather in Paris is 72°F and sunny.", second.Text());
        GoogleKit.JsonEqual(
            """
            [{"role": "user", "parts": [{"text": "Hi"}]},
             {"role": "model", "parts": [{"thought": true, "text": "Weighing the greeting"},
                                         {"text": "Hello! ", "thoughtSignature": "SIG-hello-1"},
                                         {"text": "How can I help?"}]},
             {"role": "user", "parts": [{"text": "What is the weather in Paris?"}]}]
            """,
            fake.Requests[1].Body()["contents"]!.ToJsonString());
    }

    [Fact]
    public async Task Without_a_key_a_run_is_refused_naming_GEMINI_API_KEY_and_the_provider_is_listed_unconfigured()
    {
        using var app = new PortageApp();

        using var response = await app.Client.PostAsJsonAsync(app.RunPath(), Body("Hi"));
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("provider_not_configured", error.GetProperty("error").GetString());
        Assert.Contains("GEMINI_API_KEY", error.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var google = (await app.Client.GetFromJsonAsync<JsonElement>("/api/v1/providers")).GetProperty("providers").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "google");
        Assert.Equal((false, "GEMINI_API_KEY", true, "gemini-2.5-flash"), (google.GetProperty("configured").GetBoolean(), google.GetProperty("needs").GetString(),
            google.GetProperty("agent_engines").GetBoolean(), google.GetProperty("default_model").GetString()));
        Assert.Equal(["gemini-2.5-flash", "gemini-2.5-pro"], google.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task A_reasoning_engine_run_returns_the_engine_session_and_the_next_run_continues_it_without_a_new_session()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(
            AgentEngineTests.SessionCreated("ae-sess-1"),
            FakeResponse.Sse(Transcripts.Read("google/agent-engine-stream.sse")),
            FakeResponse.Sse(Transcripts.Read("google/agent-engine-stream.sse")));
        using var app = new PortageApp(settings: AgentEngine(fake));
        const string Engine = "/v1/projects/proj-1/locations/us-east4/reasoningEngines/4815162342";

        var first = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("USD to SEK?", engine: "4815162342", location: "us-east4"));

        Assert.Equal(["run_started", "agent_tool_call", "agent_tool_result", "agent_text_delta", "agent_finish"], first.Select(f => f.Event));
        var call = first[1].Json;
        Assert.Equal(("adk-2b9230a6-4b92-4a1b-9a65-b708ff6c68b6", "get_exchange_rate"), (call.GetProperty("call_id").GetString(), call.GetProperty("name").GetString()));
        Assert.Equal("get_exchange_rate", first[2].Json.GetProperty("name").GetString());
        var finish = first.Terminal().Json;
        Assert.Equal(("ae-sess-1", "agent-engine/4815162342"), (finish.GetProperty("session_id").GetString(), finish.GetProperty("model").GetString()));

        var second = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("And to EUR?", session: "ae-sess-1", engine: "4815162342", location: "us-east4"));

        Assert.Equal("ae-sess-1", second.Terminal().Json.GetProperty("session_id").GetString());
        Assert.Equal([Engine + ":query", Engine + ":streamQuery?alt=sse", Engine + ":streamQuery?alt=sse"], fake.Requests.Select(r => r.PathAndQuery));
        GoogleKit.JsonEqual(
            $$$"""{"class_method": "async_stream_query", "input": {"user_id": "s_{{{app.SandboxId}}}:u_u-123", "session_id": "ae-sess-1", "message": "And to EUR?"}}""",
            fake.Requests[2].Body);
    }

    [Fact]
    public async Task Two_sandboxes_sharing_an_engine_never_share_an_end_users_engine_state()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(
            AgentEngineTests.SessionCreated("ae-sess-a"), FakeResponse.Sse(Transcripts.Read("google/agent-engine-stream.sse")),
            AgentEngineTests.SessionCreated("ae-sess-b"), FakeResponse.Sse(Transcripts.Read("google/agent-engine-stream.sse")));
        using var app = new PortageApp(settings: AgentEngine(fake));
        using var created = await app.Client.PostAsJsonAsync("/api/v1/storage/sandboxes", new { name = "tenant-b" });
        var other = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sandbox_id").GetString()!;

        await SseFrames.RunAsync(app.Client, app.RunPath(), Body("USD to SEK?", engine: "4815162342"));
        await SseFrames.RunAsync(app.Client, app.RunPath(other), Body("USD to SEK?", engine: "4815162342"));

        // Both runs are for end user u-123, each in its own sandbox: the engine sees two users, each scoped by sandbox.
        var userIds = fake.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("input").GetProperty("user_id").GetString()).ToList();
        Assert.Equal([$"s_{app.SandboxId}:u_u-123", $"s_{app.SandboxId}:u_u-123", $"s_{other}:u_u-123", $"s_{other}:u_u-123"], userIds);
    }

    [Fact]
    public async Task An_engine_session_continued_after_turns_on_another_provider_is_told_what_it_missed()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(
            AgentEngineTests.SessionCreated("ae-sess-2"),
            FakeResponse.Sse(Transcripts.Read("google/agent-engine-stream.sse")),
            FakeResponse.Sse(Transcripts.Read("google/agent-engine-stream.sse")));
        using var app = new PortageApp(settings: AgentEngine(fake));
        var first = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("USD to SEK?", engine: "4815162342"));
        var echo = new Dictionary<string, object?>(Body("And in euros?")) { ["provider"] = "echo" };
        var between = await SseFrames.RunAsync(app.Client, app.RunPath(), echo);

        await SseFrames.RunAsync(app.Client, app.RunPath(), Body("Thanks, which was cheaper?", session: "ae-sess-2", engine: "4815162342"));

        // Rule 4: the engine keeps its own history, so it gets only the echo exchange it missed, then the new message.
        var expected = "Earlier in this conversation, before this agent's last turn:\nUser: And in euros?\nAssistant: " + between.Text()
            + "\n\nThe user now says:\nThanks, which was cheaper?";
        var message = JsonDocument.Parse(fake.Requests[2].Body).RootElement.GetProperty("input").GetProperty("message").GetString();
        Assert.Equal(expected, message);
        Assert.Equal("ae-sess-2", first.Terminal().Json.GetProperty("session_id").GetString());
    }

    [Theory]
    [InlineData("../../other", null, "invalid_reasoning_engine_id")]
    [InlineData("4815162342", "evil.example.com/x", "invalid_location")]
    public async Task Engine_ids_and_regions_that_are_not_plain_identifiers_are_a_400_before_streaming(string engine, string? location, string error)
    {
        await using var fake = await FakeProviderServer.StartAsync();
        using var app = new PortageApp(settings: AgentEngine(fake));

        using var response = await app.Client.PostAsJsonAsync(app.RunPath(), Body("Hi", engine: engine, location: location));

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(error, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task A_reasoning_engine_run_without_a_project_is_refused_naming_GOOGLE_CLOUD_PROJECT()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["GEMINI_API_KEY"] = "k" });

        using var response = await app.Client.PostAsJsonAsync(app.RunPath(), Body("Hi", engine: "4815162342"));
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal((400, "provider_not_configured"), ((int)response.StatusCode, error.GetProperty("error").GetString()));
        Assert.Contains("GOOGLE_CLOUD_PROJECT", error.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_disconnect_mid_stream_closes_the_connection_to_Gemini()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(new FakeResponse(200, "text/event-stream",
            [GoogleKit.Sse("""{"candidates": [{"content": {"parts": [{"text": "Once upon a time"}],"role": "model"},"index": 0}]}""")]) { HoldOpen = true });

        // The environment-variable names work as well as the Providers:Google section.
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["GEMINI_API_KEY"] = "k", ["GEMINI_BASE_URL"] = fake.BaseUrl });
        var response = await SseFrames.StartRunAsync(app.Client, app.RunPath(), Body("Tell me a long story"));
        await using (var stream = await response.Content.ReadAsStreamAsync())
        {
            await foreach (var frame in SseFrames.ReadAsync(stream))
            {
                if (frame.Event == "agent_text_delta")
                {
                    break;
                }
            }
        }

        response.Dispose();

        await fake.ClientDisconnected.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("k", Assert.Single(fake.Requests).Headers["x-goog-api-key"]);
    }
}
