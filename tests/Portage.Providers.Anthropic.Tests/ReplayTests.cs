using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Portage.Providers.Anthropic.Tests;

/// <summary>
/// Rule 4: what the provider answered comes back on the next call exactly as Anthropic sent it: thinking blocks with
/// their signatures, tool_use ids, names and inputs, and tool results tied to their tool_use_id. Core stores
/// response messages as MEAI JSON between turns and keeps them in memory within the tool loop; both paths are checked.
/// </summary>
public sealed class ReplayTests
{
    private const string Question = "What is the weather like in San Francisco?";

    // The tool_use is the last block before the newest message, so it carries the prompt-cache breakpoint.
    private const string ToolTurn = """
        {"role": "assistant", "content": [
          {"type": "text", "text": "Okay, let's check the weather for San Francisco, CA:"},
          {"type": "tool_use", "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "name": "get_weather", "input": {"location": "San Francisco, CA"}, "cache_control": {"type": "ephemeral"}}]}
        """;

    private const string ToolResult = """
        {"role": "user", "content": [
          {"type": "tool_result", "tool_use_id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "content": "{\"temperature\":\"15 degrees\"}", "is_error": false}]}
        """;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tool_result_follow_up_sends_the_assistant_tool_use_and_a_user_tool_result(bool storedAsJson)
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("tool-use.sse"), AnthropicFake.Stream("text.sse"));
        var options = new ChatOptions { Tools = [StreamingTests.WeatherTool] };
        List<ChatMessage> history = [new(ChatRole.User, Question)];

        var first = await fake.StreamAsync(history, options);
        var answer = first.ToChatResponse().Messages;
        history.AddRange(storedAsJson ? JsonAssert.RoundTrip(answer) : answer);
        history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent("toolu_01T1x1fJ34qAmk2tNTrN7Up6", Result("""{"temperature":"15 degrees"}"""))]));
        await fake.StreamAsync(history, options);

        JsonAssert.Equal($$"""
            [{"role": "user", "content": [{"type": "text", "text": "{{Question}}"}]},
             {{ToolTurn}},
             {{ToolResult}}]
            """, fake.Body(1)["messages"]);
        JsonAssert.Equal(fake.Body(0)["tools"]!.ToJsonString(), fake.Body(1)["tools"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Thinking_block_and_tool_use_of_one_turn_go_back_with_the_signature_in_order(bool storedAsJson)
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("thinking-tool-use.sse"), AnthropicFake.Stream("text.sse"));
        var options = new ChatOptions { Tools = [StreamingTests.WeatherTool] };
        List<ChatMessage> history = [new(ChatRole.User, Question)];

        var answer = (await fake.StreamAsync(history, options)).ToChatResponse().Messages;
        history.AddRange(storedAsJson ? JsonAssert.RoundTrip(answer) : answer);
        history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent("toolu_01T1x1fJ34qAmk2tNTrN7Up6", Result("""{"temperature":"15 degrees"}"""))]));
        await fake.StreamAsync(history, options);

        JsonAssert.Equal($$$"""
            [{"role": "user", "content": [{"type": "text", "text": "{{{Question}}}"}]},
             {"role": "assistant", "content": [
               {"type": "thinking", "thinking": "The user wants the weather in San Francisco. I should call get_weather.",
                "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds..."},
               {"type": "text", "text": "Okay, let's check the weather for San Francisco, CA:"},
               {"type": "tool_use", "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "name": "get_weather", "input": {"location": "San Francisco, CA"}, "cache_control": {"type": "ephemeral"}}]},
             {{{ToolResult}}}]
            """, fake.Body(1)["messages"]);
    }

    [Fact]
    public async Task Stored_thinking_turn_is_replayed_with_its_signature_before_the_next_user_message()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("thinking.sse"), AnthropicFake.Stream("text.sse"));
        List<ChatMessage> history = [new(ChatRole.User, "What is 27 * 453?")];

        history.AddRange(JsonAssert.RoundTrip((await fake.StreamAsync(history)).ToChatResponse().Messages));
        history.Add(new ChatMessage(ChatRole.User, "And 27 * 454?"));
        await fake.StreamAsync(history);

        JsonAssert.Equal("""
            [{"role": "user", "content": [{"type": "text", "text": "What is 27 * 453?"}]},
             {"role": "assistant", "content": [
               {"type": "thinking", "thinking": "Let me solve this step by step:\n\n1. First break down 27 * 453\n2. 453 = 400 + 50 + 3",
                "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds..."},
               {"type": "text", "text": "27 * 453 = 12,231", "cache_control": {"type": "ephemeral"}}]},
             {"role": "user", "content": [{"type": "text", "text": "And 27 * 454?"}]}]
            """, fake.Body(1)["messages"]);
    }

    [Fact]
    public async Task Stored_redacted_thinking_is_replayed_as_the_same_opaque_block()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("redacted-thinking.sse"), AnthropicFake.Stream("text.sse"));
        List<ChatMessage> history = [new(ChatRole.User, "Think privately.")];

        history.AddRange(JsonAssert.RoundTrip((await fake.StreamAsync(history)).ToChatResponse().Messages));
        history.Add(new ChatMessage(ChatRole.User, "Thanks."));
        await fake.StreamAsync(history);

        JsonAssert.Equal("""
            {"role": "assistant", "content": [
              {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj"},
              {"type": "text", "text": "Done.", "cache_control": {"type": "ephemeral"}}]}
            """, fake.Body(1)["messages"]![1]);
    }

    [Fact]
    public async Task Tool_results_are_sent_as_compact_text_and_failures_are_flagged_without_changing_the_callers_messages()
    {
        await using var fake = await AnthropicFake.StartAsync(AnthropicFake.Stream("text.sse"));
        var structured = Result("""{"forecast": {"high": 18, "low": 11}}""");
        List<ChatMessage> history =
        [
            new(ChatRole.User, Question),
            new(ChatRole.Assistant, [new FunctionCallContent("toolu_a", "get_weather", new Dictionary<string, object?> { ["location"] = "San Francisco, CA" })]),
            new(ChatRole.Tool,
            [
                new FunctionResultContent("toolu_a", structured),
                new FunctionResultContent("toolu_b", Result("\"15 degrees\"")),
                new FunctionResultContent("toolu_c", null) { Exception = new InvalidOperationException("no such city") },
            ]),
        ];

        await fake.StreamAsync(history);

        JsonAssert.Equal("""
            [{"type": "tool_result", "tool_use_id": "toolu_a", "content": "{\"forecast\":{\"high\":18,\"low\":11}}", "is_error": false},
             {"type": "tool_result", "tool_use_id": "toolu_b", "content": "15 degrees", "is_error": false},
             {"type": "tool_result", "tool_use_id": "toolu_c", "content": "no such city", "is_error": true}]
            """, fake.Body(0)["messages"]![2]!["content"]);
        Assert.Equal(structured, Assert.IsType<FunctionResultContent>(history[2].Contents[0]).Result);
    }

    private static JsonElement Result(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
