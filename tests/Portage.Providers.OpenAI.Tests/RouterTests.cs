using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Testing;
using Portage.Testing.Fakes;

namespace Portage.Providers.OpenAI.Tests;

/// <summary>The openai provider and a named OpenAI-compatible endpoint, driven through the router's HTTP API.</summary>
public sealed class RouterTests
{
    private static Dictionary<string, object?> Body(string message, string provider = "openai", string? session = null) => new()
    {
        ["provider"] = provider,
        ["system_prompt"] = "You are a helpful agent.",
        ["messages"] = new[] { new { role = "user", content = message } },
        ["end_user_id"] = "u-123",
        ["session_id"] = session,
    };

    private static PortageApp BaseUrlOnly(FakeProviderServer fake) => new(settings: new Dictionary<string, string?>
    {
        ["OPENAI_BASE_URL"] = fake.BaseUrl + "/v1",
    });

    [Fact]
    public async Task Run_on_openai_with_only_a_base_url_streams_text_and_finishes_with_usage_and_cost()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("openai/chat-text.sse")));
        using var app = BaseUrlOnly(fake);

        var frames = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("hello"));

        Assert.Equal("Hello! How can I assist you today?", frames.Text());
        var finish = frames.Terminal();
        Assert.Equal("agent_finish", finish.Event);
        Assert.Equal(("end_turn", "openai", "gpt-4o-mini"), (finish.Json.GetProperty("stop_reason").GetString(),
            finish.Json.GetProperty("provider").GetString(), finish.Json.GetProperty("model").GetString()));

        // prompt 8 of which 5 cached → 3 fresh input + 5 cache reads. Reasoning is a subset of completion tokens and
        // has its own tier, so output is completion − reasoning; the fixture's edited numbers (9 completion, 90
        // reasoning) leave 0 visible output. gpt-4o-mini is priced in appsettings.json, so the cost is known.
        var usage = finish.Json.GetProperty("usage");
        Assert.Equal((3L, 5L, 0L, 90L), (usage.GetProperty("input_tokens").GetInt64(), usage.GetProperty("cache_read_input_tokens").GetInt64(),
            usage.GetProperty("output_tokens").GetInt64(), usage.GetProperty("thinking_tokens").GetInt64()));
        Assert.False(usage.TryGetProperty("cost_unknown", out _));
        var tiers = usage.GetProperty("cost_breakdown_microcents");
        Assert.True(usage.GetProperty("cost_microcents").GetInt64() > 0);
        Assert.Equal(usage.GetProperty("cost_microcents").GetInt64(), tiers.GetProperty("total").GetInt64());

        var request = Assert.Single(fake.Requests);
        Assert.Equal(("/v1/chat/completions", "Bearer portage-no-key"), (request.PathAndQuery, request.Headers["Authorization"]));
        Assert.Equal("""[{"role":"system","content":"You are a helpful agent."},{"role":"user","content":"hello"}]""",
            JsonDocument.Parse(request.Body).RootElement.GetProperty("messages").GetRawText());
    }

    [Fact]
    public async Task Second_run_with_the_session_id_replays_the_native_transcript()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("openai/chat-text.sse")), FakeResponse.Sse(Transcripts.Read("openai/chat-text.sse")));
        using var app = BaseUrlOnly(fake);

        var first = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("hello"));
        var session = first.Terminal().Json.GetProperty("session_id").GetString();
        var second = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("i'm good. how are you?", session: session));

        Assert.Equal("agent_finish", second.Terminal().Event);
        Assert.Equal(session, second.Terminal().Json.GetProperty("session_id").GetString());
        Assert.Equal(
            """[{"role":"system","content":"You are a helpful agent."},{"role":"user","content":"hello"},{"role":"assistant","content":"Hello! How can I assist you today?"},{"role":"user","content":"i'm good. how are you?"}]""",
            JsonDocument.Parse(fake.Requests[1].Body).RootElement.GetProperty("messages").GetRawText());
    }

    [Fact]
    public async Task Named_openai_compatible_endpoint_runs_under_its_own_name_and_is_listed()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("openai/chat-text.sse")));
        using var app = new PortageApp(settings: new Dictionary<string, string?>
        {
            ["Providers:OpenAICompatible:ollama:BaseUrl"] = fake.BaseUrl + "/v1",
            ["Providers:OpenAICompatible:ollama:DefaultModel"] = "llama3.2",
        });

        var frames = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("hello", provider: "ollama"));

        Assert.Equal("Hello! How can I assist you today?", frames.Text());
        Assert.Equal(("ollama", "llama3.2"), (frames.Terminal().Json.GetProperty("provider").GetString(), frames.Terminal().Json.GetProperty("model").GetString()));
        var request = Assert.Single(fake.Requests);
        Assert.Equal(("/v1/chat/completions", "llama3.2"), (request.PathAndQuery, JsonDocument.Parse(request.Body).RootElement.GetProperty("model").GetString()));

        var providers = (await app.Client.GetFromJsonAsync<JsonElement>("/api/v1/providers")).GetProperty("providers").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal((true, "llama3.2"), (providers["ollama"].GetProperty("configured").GetBoolean(), providers["ollama"].GetProperty("default_model").GetString()));
        Assert.False(providers["openai"].GetProperty("configured").GetBoolean());
        Assert.Equal("OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server)", providers["openai"].GetProperty("needs").GetString());
    }

    [Fact]
    public async Task Named_endpoint_without_a_base_url_is_refused_naming_its_configuration_key()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Providers:OpenAICompatible:vllm:DefaultModel"] = "qwen" });

        using var response = await app.Client.PostAsJsonAsync(app.RunPath(), Body("hello", provider: "vllm"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("provider_not_configured", error.GetProperty("error").GetString());
        Assert.Contains("Providers:OpenAICompatible:vllm:BaseUrl", error.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Openai_without_key_or_base_url_is_refused_with_provider_not_configured_naming_the_key()
    {
        using var app = new PortageApp();

        using var response = await app.Client.PostAsJsonAsync(app.RunPath(), Body("hello"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("provider_not_configured", error.GetProperty("error").GetString());
        Assert.Contains("OPENAI_API_KEY", error.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_disconnect_mid_stream_closes_the_connection_to_the_provider()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(new FakeResponse(200, "text/event-stream",
            ["""data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}""" + "\n\n"])
        { HoldOpen = true });
        using var app = BaseUrlOnly(fake);

        var response = await SseFrames.StartRunAsync(app.Client, app.RunPath(), Body("hello"));
        await foreach (var frame in SseFrames.ReadAsync(await response.Content.ReadAsStreamAsync()))
        {
            if (frame.Event == "agent_text_delta")
            {
                Assert.Equal("Hel", frame.Json.GetProperty("text").GetString());
                break;
            }
        }

        response.Dispose();
        await fake.ClientDisconnected.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
