using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portage.Testing;
using Portage.Testing.Fakes;
using Portage.Testing.Fakes.Models;

namespace Portage.Providers.Anthropic.Tests;

/// <summary>The anthropic provider inside the real router, with Providers:Anthropic pointed at the fake Messages API.</summary>
public sealed class RouterTests
{
    [Fact]
    public async Task Run_streams_the_text_deltas_and_finishes_with_usage_and_cost()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(AnthropicFake.Stream("text.sse"));
        using var app = App(fake);

        var frames = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("Hello, Claude"));

        Assert.Equal(["Hello", "!"], frames.Where(f => f.Event == "agent_text_delta").Select(f => f.Json.GetProperty("text").GetString()));
        var finish = frames.Terminal();
        Assert.Equal("agent_finish", finish.Event);
        Assert.Equal(("end_turn", "anthropic", "claude-sonnet-4-6"), (Str(finish.Json, "stop_reason"), Str(finish.Json, "provider"), Str(finish.Json, "model")));

        // claude-sonnet-4-6 is priced at $3 in / $15 out per million: 25×3 + 15×15 = 300 microcents.
        var usage = finish.Json.GetProperty("usage");
        Assert.Equal((25L, 15L), (usage.GetProperty("input_tokens").GetInt64(), usage.GetProperty("output_tokens").GetInt64()));
        Assert.Equal(300L, usage.GetProperty("cost_microcents").GetInt64());
        Assert.False(usage.TryGetProperty("cost_unknown", out _));
    }

    [Fact]
    public async Task Second_run_of_the_session_sends_the_first_turns_native_transcript_then_the_new_message()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(AnthropicFake.Stream("thinking.sse"), AnthropicFake.Stream("text.sse"));
        using var app = App(fake);

        var first = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("What is 27 * 453?"));
        var session = Str(first.Terminal().Json, "session_id");
        var second = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("And 27 * 454?", session));

        Assert.Equal("agent_finish", second.Terminal().Event);
        Assert.Equal(session, Str(second.Terminal().Json, "session_id"));
        var body = JsonNode.Parse(fake.Requests[1].Body)!;
        JsonAssert.Equal("""[{"type": "text", "text": "You are a helpful agent.", "cache_control": {"type": "ephemeral"}}]""", body["system"]);
        JsonAssert.Equal("""
            [{"role": "user", "content": [{"type": "text", "text": "What is 27 * 453?"}]},
             {"role": "assistant", "content": [
               {"type": "thinking", "thinking": "Let me solve this step by step:\n\n1. First break down 27 * 453\n2. 453 = 400 + 50 + 3",
                "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds..."},
               {"type": "text", "text": "27 * 453 = 12,231", "cache_control": {"type": "ephemeral"}}]},
             {"role": "user", "content": [{"type": "text", "text": "And 27 * 454?"}]}]
            """, body["messages"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Another_claude_model_in_the_same_conversation_answers_knowing_the_first_turn_without_its_thinking(bool namesSession)
    {
        // The fake refuses a thinking block signed for another model, as Anthropic does.
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Responder = new FakeMessagesModel().Answer;
        using var app = App(fake);

        var first = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("Remember the codeword PELICAN.", model: "claude-sonnet-4-6"));
        var session = Str(first.Terminal().Json, "session_id");
        var second = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("What was the codeword?", namesSession ? session : null, "claude-opus-4-7"));

        var finish = second.Terminal();
        Assert.Equal(("agent_finish", "claude-opus-4-7"), (finish.Event, Str(finish.Json, "model")));
        Assert.Equal(Str(first.Terminal().Json, "context_window_id"), Str(finish.Json, "context_window_id"));
        Assert.NotEqual(session, Str(finish.Json, "session_id"));
        Assert.Contains("the first one said: Remember the codeword PELICAN.", second.Text(), StringComparison.Ordinal);
        var sent = JsonNode.Parse(fake.Requests[1].Body)!["messages"]!.ToJsonString();
        Assert.Contains(first.Text(), sent, StringComparison.Ordinal);
        Assert.DoesNotContain("\"thinking\"", sent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_turn_of_a_session_reads_everything_before_its_new_exchange_from_the_prompt_cache()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Responder = new FakeMessagesModel().Answer;
        using var app = App(fake);

        var first = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("What is 27 * 453?"));
        var session = Str(first.Terminal().Json, "session_id");
        var second = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("And 27 * 454?", session));
        var third = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("And 27 * 455?", session));

        var (read1, written1) = Cache(first);
        var (read2, written2) = Cache(second);
        var (read3, _) = Cache(third);
        Assert.Equal(0, read1);
        Assert.True(written1 > 0, "turn 1 writes the system prompt and tools");
        Assert.Equal(written1, read2);
        Assert.Equal(read2 + written2, read3);

        // Turn 2 replayed turn 1's thinking under the same model: accepted, and cache reads are priced.
        Assert.Contains("\"thinking\"", JsonNode.Parse(fake.Requests[1].Body)!["messages"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.True(second.Terminal().Json.GetProperty("usage").GetProperty("cost_breakdown_microcents").GetProperty("cache_read").GetInt64() > 0);
    }

    [Fact]
    public async Task With_PromptCaching_off_requests_carry_no_breakpoints_and_nothing_is_read_from_the_cache()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Responder = new FakeMessagesModel().Answer;
        using var app = App(fake, promptCaching: false);

        var first = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("What is 27 * 453?"));
        var second = await SseFrames.RunAsync(app.Client, app.RunPath(), Body("And 27 * 454?", Str(first.Terminal().Json, "session_id")));

        Assert.Equal((0L, 0L), Cache(second));
        Assert.All(fake.Requests, r => Assert.DoesNotContain("cache_control", r.Body, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_an_api_key_a_run_is_refused_naming_ANTHROPIC_API_KEY()
    {
        using var app = new PortageApp();

        using var response = await app.Client.PostAsJsonAsync(app.RunPath(), Body("Hello, Claude"));

        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("provider_not_configured", Str(error, "error"));
        Assert.Contains("ANTHROPIC_API_KEY", Str(error, "detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Provider_list_shows_anthropic_with_its_models_and_what_it_needs()
    {
        using var app = new PortageApp();

        var list = await app.Client.GetFromJsonAsync<JsonElement>("/api/v1/providers");

        var anthropic = list.GetProperty("providers").EnumerateArray().Single(p => Str(p, "name") == "anthropic");
        Assert.Equal(("claude-sonnet-4-6", "ANTHROPIC_API_KEY", false), (Str(anthropic, "default_model"), Str(anthropic, "needs"), anthropic.GetProperty("configured").GetBoolean()));
        Assert.Equal(["claude-sonnet-4-6", "claude-opus-4-7", "claude-haiku-4-5"], anthropic.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task Client_disconnect_mid_stream_closes_the_connection_to_the_provider()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        var events = Transcripts.SplitEvents(Transcripts.Read("anthropic/text.sse"));
        fake.Enqueue(new FakeResponse(200, "text/event-stream; charset=utf-8", events.Take(4).ToList()) { HoldOpen = true });
        using var app = App(fake);

        var response = await SseFrames.StartRunAsync(app.Client, app.RunPath(), Body("Hello, Claude"));
        await foreach (var frame in SseFrames.ReadAsync(await response.Content.ReadAsStreamAsync()))
        {
            if (frame.Event == "agent_text_delta")
            {
                break;
            }
        }

        response.Dispose();
        await fake.ClientDisconnected.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static PortageApp App(FakeProviderServer fake, bool promptCaching = true) => new(settings: new Dictionary<string, string?>
    {
        ["Providers:Anthropic:ApiKey"] = AnthropicFake.Key,
        ["Providers:Anthropic:BaseUrl"] = fake.BaseUrl,
        ["Providers:Anthropic:PromptCaching"] = promptCaching ? "true" : "false",
    });

    private static Dictionary<string, object?> Body(string message, string? session = null, string? model = null) => new()
    {
        ["provider"] = "anthropic",
        ["model"] = model,
        ["system_prompt"] = "You are a helpful agent.",
        ["messages"] = new[] { new { role = "user", content = message } },
        ["end_user_id"] = "u-123",
        ["session_id"] = session,
    };

    private static (long Read, long Written) Cache(List<SseFrame> frames)
    {
        var usage = frames.Terminal().Json.GetProperty("usage");
        return (usage.GetProperty("cache_read_input_tokens").GetInt64(), usage.GetProperty("cache_creation_input_tokens").GetInt64());
    }

    private static string Str(JsonElement element, string name) => element.GetProperty(name).GetString()!;
}
