using Microsoft.Extensions.AI;
using Portage.Core.Providers;

namespace Portage.Providers.Anthropic.Tests;

/// <summary>
/// Prompt caching (issue 13, part 4): breakpoints on the stable prefix of every request, so the next request of the
/// session reads it from the cache; and the fake's model of signatures and of the cache, which the router tests rely on.
/// </summary>
public sealed class PromptCacheTests
{
    private const string Ephemeral = """{"type": "ephemeral"}""";

    [Fact]
    public async Task System_prompt_and_the_message_before_the_newest_carry_a_breakpoint_and_the_callers_messages_do_not()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("text.sse"));
        List<ChatMessage> history =
        [
            new(ChatRole.System, "You are a helpful agent."),
            new(ChatRole.User, "What is 27 * 453?"),
            new(ChatRole.Assistant, "27 * 453 = 12,231"),
            new(ChatRole.User, "And 27 * 454?"),
        ];

        await fake.StreamAsync(history);

        JsonAssert.Equal($$"""[{"type": "text", "text": "You are a helpful agent.", "cache_control": {{Ephemeral}}}]""", fake.Body(0)["system"]);
        JsonAssert.Equal($$"""
            [{"role": "user", "content": [{"type": "text", "text": "What is 27 * 453?"}]},
             {"role": "assistant", "content": [{"type": "text", "text": "27 * 453 = 12,231", "cache_control": {{Ephemeral}}}]},
             {"role": "user", "content": [{"type": "text", "text": "And 27 * 454?"}]}]
            """, fake.Body(0)["messages"]);
        Assert.All(history, m => Assert.All(m.Contents, c => Assert.Null(c.AdditionalProperties)));
    }

    [Fact]
    public async Task Without_a_system_prompt_the_last_tool_carries_the_first_breakpoint()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("text.sse"));
        var time = AIFunctionFactory.Create(() => "12:00", "get_time", "The current time");
        var options = new ChatOptions { Tools = [time, StreamingTests.WeatherTool] };

        await fake.StreamAsync([new(ChatRole.User, "Weather?")], options);

        var tools = fake.Body(0)["tools"]!.AsArray();
        Assert.Equal(("get_time", false), (tools[0]!["name"]!.GetValue<string>(), tools[0]!.AsObject().ContainsKey("cache_control")));
        Assert.Equal("get_weather", tools[1]!["name"]!.GetValue<string>());
        JsonAssert.Equal(Ephemeral, tools[1]!["cache_control"]);
        Assert.Same(StreamingTests.WeatherTool, options.Tools[1]);
    }

    [Fact]
    public async Task In_the_tool_loop_the_tool_use_before_the_result_carries_the_breakpoint()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("text.sse"));
        List<ChatMessage> history =
        [
            new(ChatRole.User, "Weather?"),
            new(ChatRole.Assistant, [new TextContent("Let me check."), new FunctionCallContent("toolu_a", "get_weather", new Dictionary<string, object?> { ["location"] = "Paris" })]),
            new(ChatRole.Tool, [new FunctionResultContent("toolu_a", "15 degrees")]),
        ];

        await fake.StreamAsync(history);

        JsonAssert.Equal($$"""
            {"role": "assistant", "content": [
              {"type": "text", "text": "Let me check."},
              {"type": "tool_use", "id": "toolu_a", "name": "get_weather", "input": {"location": "Paris"}, "cache_control": {{Ephemeral}}}]}
            """, fake.Body(0)["messages"]![1]);
        Assert.False(fake.Body(0)["messages"]![2]!["content"]![0]!.AsObject().ContainsKey("cache_control"));
    }

    [Fact]
    public async Task PromptCaching_off_sends_no_breakpoint()
    {
        await using var fake = await AnthropicFake.StartModelAsync(new AnthropicSettings { PromptCaching = false });
        List<ChatMessage> history = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hi"), new(ChatRole.Assistant, "Hello"), new(ChatRole.User, "Bye")];

        await fake.StreamAsync(history, new ChatOptions { Tools = [StreamingTests.WeatherTool] });

        Assert.DoesNotContain("cache_control", fake.Server.Requests[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fake_reports_a_cache_write_on_first_sight_and_a_read_of_the_same_prefix_later()
    {
        await using var fake = await AnthropicFake.StartModelAsync();
        List<ChatMessage> history = [new(ChatRole.System, "You are a helpful agent."), new(ChatRole.User, "What is 27 * 453?")];

        var answer = await fake.StreamAsync(history);
        history.AddRange(JsonAssert.RoundTrip(answer.ToChatResponse().Messages));
        history.Add(new ChatMessage(ChatRole.User, "And 27 * 454?"));
        var first = Usage(answer);
        var second = Usage(await fake.StreamAsync(history));

        var systemPrefix = first.AdditionalCounts!["CacheCreationInputTokens"];
        Assert.True(systemPrefix > 0);
        Assert.Equal(0, first.CachedInputTokenCount ?? 0);
        Assert.Equal(systemPrefix, second.CachedInputTokenCount);
        Assert.True(second.AdditionalCounts!["CacheCreationInputTokens"] > 0, "the replayed turn is written for the next one");
    }

    [Fact]
    public async Task Fake_refuses_a_thinking_block_signed_for_another_model_and_accepts_its_own()
    {
        await using var fake = await AnthropicFake.StartModelAsync();
        var sonnet = new ChatOptions { ModelId = "claude-sonnet-4-6" };
        List<ChatMessage> history = [new(ChatRole.User, "What is 27 * 453?")];
        history.AddRange(JsonAssert.RoundTrip((await fake.StreamAsync(history, sonnet)).ToChatResponse().Messages));
        history.Add(new ChatMessage(ChatRole.User, "And 27 * 454?"));

        await fake.StreamAsync(history, sonnet);
        var refused = await Assert.ThrowsAsync<ProviderException>(() => fake.StreamAsync(history, new ChatOptions { ModelId = "claude-opus-4-7" }));

        Assert.Equal("thinking", fake.Body(1)["messages"]![1]!["content"]![0]!["type"]!.GetValue<string>());
        Assert.Equal((400, false), (refused.StatusCode, refused.Transient));
        Assert.Contains("messages.1.content.0: Invalid `signature` in `thinking` block (HTTP 400, invalid_request_error)", refused.Message, StringComparison.Ordinal);
    }

    private static UsageDetails Usage(List<ChatResponseUpdate> updates) =>
        updates.SelectMany(u => u.Contents).OfType<UsageContent>().Last().Details;
}
