using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Portage.Providers.Anthropic.Tests;

/// <summary>The provider's IChatClient against the §1.2 transcripts: what it yields and what it sends.</summary>
public sealed class StreamingTests
{
    private static readonly JsonElement s_weatherSchema = JsonDocument.Parse("""
        {"type": "object", "properties": {"location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"}}, "required": ["location"]}
        """).RootElement;

    internal static AIFunctionDeclaration WeatherTool { get; } =
        AIFunctionFactory.CreateDeclaration("get_weather", "Get the current weather in a given location", s_weatherSchema);

    [Fact]
    public async Task Text_stream_yields_each_delta_then_the_finish_reason_and_one_usage()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("text.sse"));

        var updates = await fake.StreamAsync([new ChatMessage(ChatRole.User, "Hello, Claude")]);

        Assert.Equal(["Hello", "!"], updates.SelectMany(u => u.Contents.OfType<TextContent>()).Select(t => t.Text).Where(t => t.Length > 0));
        Assert.Equal(ChatFinishReason.Stop, updates.Last(u => u.FinishReason is not null).FinishReason);
        var usage = Assert.Single(updates.SelectMany(u => u.Contents.OfType<UsageContent>())).Details;
        Assert.Equal((25L, 15L), (usage.InputTokenCount, usage.OutputTokenCount));
        Assert.Equal("msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", updates[0].ResponseId);
    }

    [Fact]
    public async Task Request_puts_the_system_prompt_top_level_and_sends_the_default_max_tokens_without_sampling_parameters()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("text.sse"));

        await fake.StreamAsync(
            [new ChatMessage(ChatRole.System, "You are a helpful agent."), new ChatMessage(ChatRole.User, "Hello, Claude")],
            new ChatOptions { Temperature = 0.7f, TopP = 0.9f, TopK = 40 });

        var request = fake.Server.Requests.Single();
        Assert.Equal(("POST", "/v1/messages"), (request.Method, request.PathAndQuery));
        JsonAssert.Equal("""
            {"max_tokens": 16384, "model": "claude-sonnet-4-6", "stream": true,
             "system": [{"type": "text", "text": "You are a helpful agent.", "cache_control": {"type": "ephemeral"}}],
             "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello, Claude"}]}]}
            """, fake.Body(0));
    }

    [Fact]
    public async Task Request_carries_the_api_version_and_the_key_as_a_bearer_token()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("text.sse"));

        await fake.StreamAsync([new ChatMessage(ChatRole.User, "Hello, Claude")]);

        var headers = fake.Server.Requests.Single().Headers;
        Assert.Equal("2026-10-21", headers["anthropic-version"]);
        Assert.Equal("Bearer " + AnthropicFake.Key, headers["Authorization"]);
        Assert.Equal("0", headers["x-stainless-retry-count"]);
    }

    [Fact]
    public async Task Run_max_tokens_and_model_win_over_the_defaults()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("text.sse"));

        await fake.StreamAsync([new ChatMessage(ChatRole.User, "Hello, Claude")], new ChatOptions { ModelId = "claude-haiku-4-5", MaxOutputTokens = 100 });

        Assert.Equal((100, "claude-haiku-4-5"), ((int)fake.Body(0)["max_tokens"]!, (string)fake.Body(0)["model"]!));
    }

    [Fact]
    public async Task Run_context_keys_in_additional_properties_never_reach_the_wire()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("text.sse"));

        await fake.StreamAsync([new ChatMessage(ChatRole.User, "Hello, Claude")], new ChatOptions
        {
            AdditionalProperties = new() { [Core.Providers.RunContextKeys.EndUserId] = "u-123", [Core.Providers.RunContextKeys.Location] = null },
        });

        Assert.DoesNotContain("u-123", fake.Server.Requests.Single().Body, StringComparison.Ordinal);
        Assert.DoesNotContain("portage.", fake.Server.Requests.Single().Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tool_use_stream_yields_the_text_then_one_function_call_and_the_request_declares_the_tool()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("tool-use.sse"));

        var updates = await fake.StreamAsync(
            [new ChatMessage(ChatRole.User, "What is the weather like in San Francisco?")],
            new ChatOptions { Tools = [WeatherTool] });

        Assert.Equal("Okay, let's check the weather for San Francisco, CA:", string.Concat(updates.SelectMany(u => u.Contents.OfType<TextContent>()).Select(t => t.Text)));
        var call = Assert.Single(updates.SelectMany(u => u.Contents.OfType<FunctionCallContent>()));
        Assert.Equal(("toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather"), (call.CallId, call.Name));
        var argument = Assert.Single(call.Arguments!);
        Assert.Equal("location", argument.Key);
        Assert.Equal("San Francisco, CA", argument.Value?.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, updates.Last(u => u.FinishReason is not null).FinishReason);
        var usage = Assert.Single(updates.SelectMany(u => u.Contents.OfType<UsageContent>())).Details;
        Assert.Equal((472L, 89L), (usage.InputTokenCount, usage.OutputTokenCount));

        JsonAssert.Equal("""
            [{"name": "get_weather", "description": "Get the current weather in a given location",
              "input_schema": {"type": "object", "properties": {"location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"}},
                               "required": ["location"], "additionalProperties": false},
              "cache_control": {"type": "ephemeral"}}]
            """, fake.Body(0)["tools"]);
    }

    [Fact]
    public async Task Cache_reads_and_writes_arrive_in_the_meai_usage_convention_once()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("cache-usage.sse"));

        var updates = await fake.StreamAsync([new ChatMessage(ChatRole.User, "Hello, Claude")]);

        // input_tokens excludes the cache: all prompt tokens are 10682 + 2051 written + 4096 read.
        var usage = Assert.Single(updates.SelectMany(u => u.Contents.OfType<UsageContent>())).Details;
        Assert.Equal(10_682L + 2_051 + 4_096, usage.InputTokenCount);
        Assert.Equal(4_096L, usage.CachedInputTokenCount);
        Assert.Equal(2_051L, usage.AdditionalCounts!["CacheCreationInputTokens"]);
        Assert.Equal(510L, usage.OutputTokenCount);
        Assert.Equal(1L, usage.AdditionalCounts["WebSearchRequests"]);
    }

    [Fact]
    public async Task Thinking_stream_yields_reasoning_with_its_signature_and_reasoning_tokens()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("thinking.sse"));

        var updates = await fake.StreamAsync([new ChatMessage(ChatRole.User, "What is 27 * 453?")]);

        var message = Assert.Single(updates.ToChatResponse().Messages);
        var reasoning = Assert.Single(message.Contents.OfType<TextReasoningContent>());
        Assert.Equal("Let me solve this step by step:\n\n1. First break down 27 * 453\n2. 453 = 400 + 50 + 3", reasoning.Text);
        Assert.Equal("EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...", reasoning.ProtectedData);
        Assert.Equal("27 * 453 = 12,231", message.Text);
        var usage = Assert.Single(updates.SelectMany(u => u.Contents.OfType<UsageContent>())).Details;
        Assert.Equal((42L, 96L, 80L), (usage.InputTokenCount, usage.OutputTokenCount, usage.ReasoningTokenCount));
    }
}
