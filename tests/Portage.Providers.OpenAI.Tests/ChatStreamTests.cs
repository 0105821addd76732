using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Testing.Fakes;
using static Portage.Providers.OpenAI.Tests.OpenAITestClient;

namespace Portage.Providers.OpenAI.Tests;

/// <summary>The §5.1 Chat Completions transcripts replayed byte for byte through OpenAI 2.14 + MEAI.OpenAI 10.11.</summary>
public sealed class ChatStreamTests
{
    private const string PersonAgeSchema =
        """{"type":"object","required":["personName"],"properties":{"personName":{"type":"string","description":"The person whose age is being requested"}}}""";

    private static AIFunctionDeclaration PersonAge() => AIFunctionFactory.CreateDeclaration(
        "GetPersonAge", "Gets the age of the specified person.", JsonDocument.Parse(PersonAgeSchema).RootElement);

    [Fact]
    public async Task Text_stream_yields_the_deltas_then_finish_stop_and_one_usage_8_in_9_out_cached_5_reasoning_90()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("openai/chat-text.sse")));

        var updates = await For(fake).CollectAsync([new(ChatRole.User, "hello")]);

        var deltas = updates.SelectMany(u => u.Contents).OfType<TextContent>().Select(t => t.Text).Where(t => t.Length > 0);
        Assert.Equal(["Hello", "!", " How", " can", " I", " assist", " you", " today", "?"], deltas);
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>()).Details;
        Assert.Equal((8L, 9L, 17L, 5L, 90L), (usage.InputTokenCount, usage.OutputTokenCount, usage.TotalTokenCount, usage.CachedInputTokenCount, usage.ReasoningTokenCount));

        var request = Assert.Single(fake.Requests);
        Assert.Equal(("POST", "/v1/chat/completions", "Bearer sk-test"), (request.Method, request.PathAndQuery, request.Headers["Authorization"]));
        Assert.Equal(
            """{"messages":[{"role":"user","content":"hello"}],"stream":true,"stream_options":{"include_usage":true},"model":"gpt-4o-mini"}""",
            request.Body);
    }

    [Fact]
    public async Task System_prompt_and_history_are_sent_as_system_user_and_assistant_messages()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("openai/chat-text.sse")));

        await For(fake).CollectAsync(
        [
            new(ChatRole.System, "You are a really nice friend."),
            new(ChatRole.User, "hello!"),
            new(ChatRole.Assistant, "hi, how are you?"),
            new(ChatRole.User, "i'm good. how are you?"),
        ]);

        Assert.Equal(
            """[{"role":"system","content":"You are a really nice friend."},{"role":"user","content":"hello!"},{"role":"assistant","content":"hi, how are you?"},{"role":"user","content":"i'm good. how are you?"}]""",
            Assert.Single(fake.Requests).Json().GetProperty("messages").GetRawText());
    }

    [Fact]
    public async Task Tool_call_stream_yields_one_function_call_and_the_request_declares_the_tool()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("openai/chat-tool-call.sse")));

        var updates = await For(fake).CollectAsync([new(ChatRole.User, "How old is Alice?")], Options([PersonAge()]));

        var call = Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal(("call_F9ZaqPWo69u0urxAhVt8meDW", "GetPersonAge"), (call.CallId, call.Name));
        Assert.Equal("Alice", Assert.Single(call.Arguments!, a => a.Key == "personName").Value?.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, updates[^1].FinishReason);
        Assert.Equal(61, Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>()).Details.InputTokenCount);

        var body = Assert.Single(fake.Requests).Json();
        Assert.Equal("auto", body.GetProperty("tool_choice").GetString());

        // MEAI closes the schema (additionalProperties: false), as OpenAI's strict mode wants; otherwise it is §5.1's.
        JsonEqual(
            """[{"type":"function","function":{"name":"GetPersonAge","description":"Gets the age of the specified person.","parameters":SCHEMA}}]""".Replace("SCHEMA", PersonAgeSchema[..^1] + ""","additionalProperties":false}""", StringComparison.Ordinal),
            body.GetProperty("tools").GetRawText());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Follow_up_sends_the_assistant_tool_calls_and_a_tool_message_with_the_result(bool fromStoredTranscript)
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("openai/chat-tool-call.sse")), FakeResponse.Sse(Transcripts.Read("openai/chat-text.sse")));
        var client = For(fake);
        List<ChatMessage> history = [new(ChatRole.User, "How old is Alice?")];
        var first = await client.CollectAsync(history, Options([PersonAge()]));

        // What Core's tool loop sends next: history, the assistant message as ToChatResponse built it, the tool result.
        history.AddRange(first.ToChatResponse().Messages);
        history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call_F9ZaqPWo69u0urxAhVt8meDW", JsonDocument.Parse("""{"age":42}""").RootElement)]));
        if (fromStoredTranscript)
        {
            // A continued session replays its transcript from storage, serialized with MEAI's options.
            history = JsonSerializer.Deserialize<List<ChatMessage>>(JsonSerializer.Serialize(history, AIJsonUtilities.DefaultOptions), AIJsonUtilities.DefaultOptions)!;
        }

        await client.CollectAsync(history, Options([PersonAge()]));

        Assert.Equal(
            """[{"role":"user","content":"How old is Alice?"},{"role":"assistant","tool_calls":[{"id":"call_F9ZaqPWo69u0urxAhVt8meDW","type":"function","function":{"name":"GetPersonAge","arguments":"{\"personName\":\"Alice\"}"}}]},{"role":"tool","tool_call_id":"call_F9ZaqPWo69u0urxAhVt8meDW","content":"{\"age\":42}"}]""",
            fake.Requests[1].Json().GetProperty("messages").GetRawText());
    }

    [Fact]
    public async Task Assistant_text_before_a_tool_call_is_replayed_with_the_call()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("openai/chat-text.sse")));

        await For(fake).CollectAsync(
        [
            new(ChatRole.User, "How old is Alice?"),
            new(ChatRole.Assistant, [new TextContent("Let me look."), new FunctionCallContent("call_1", "GetPersonAge", new Dictionary<string, object?> { ["personName"] = "Alice" })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", "42")]),
        ]);

        Assert.Equal(
            """[{"role":"user","content":"How old is Alice?"},{"role":"assistant","content":"Let me look.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"GetPersonAge","arguments":"{\"personName\":\"Alice\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":"42"}]""",
            Assert.Single(fake.Requests).Json().GetProperty("messages").GetRawText());
    }

    [Fact]
    public async Task Llama_cpp_usage_on_the_finish_chunk_with_choices_and_chunks_without_id_are_accepted()
    {
        // [built] from §5.3: llama-server puts usage (and timings) on the final finish_reason chunk, not on a chunk with
        // empty choices, and its chunks may lack id, created and system_fingerprint.
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Stream(
            """{"choices":[{"index":0,"delta":{"role":"assistant","content":null}}],"object":"chat.completion.chunk"}""",
            """{"choices":[{"index":0,"delta":{"reasoning_content":"The user greets me."}}],"object":"chat.completion.chunk"}""",
            """{"choices":[{"index":0,"delta":{"content":"Hi there"}}],"object":"chat.completion.chunk"}""",
            """{"choices":[{"finish_reason":"stop","index":0,"delta":{}}],"created":1727889370,"model":"qwen2.5-7b","object":"chat.completion.chunk","usage":{"completion_tokens":3,"prompt_tokens":7,"total_tokens":10},"timings":{"prompt_n":7,"predicted_n":3}}""")));

        var updates = await For(fake).CollectAsync([new(ChatRole.User, "hello")]);

        Assert.Equal("Hi there", string.Concat(updates.SelectMany(u => u.Contents).OfType<TextContent>().Select(t => t.Text)));
        Assert.Equal("The user greets me.", Assert.Single(updates.SelectMany(u => u.Contents).OfType<TextReasoningContent>()).Text);
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>()).Details;
        Assert.Equal((7L, 3L), (usage.InputTokenCount, usage.OutputTokenCount));
    }

    [Fact]
    public async Task Tool_call_arguments_delivered_whole_in_one_fragment_make_one_function_call()
    {
        // [built] from §5.3: local servers (Ollama, vLLM, llama.cpp) often send a tool call in a single fragment.
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Stream(
            """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"llama3.2","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_ollama_1","type":"function","function":{"name":"GetPersonAge","arguments":"{\"personName\":\"Bob\"}"}}]},"finish_reason":null}]}""",
            """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"llama3.2","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""")));

        var updates = await For(fake).CollectAsync([new(ChatRole.User, "How old is Bob?")], Options([PersonAge()]));

        var call = Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal(("call_ollama_1", "GetPersonAge", "Bob"), (call.CallId, call.Name, call.Arguments!["personName"]?.ToString()));
        Assert.Equal(ChatFinishReason.ToolCalls, updates[^1].FinishReason);
    }

    [Fact]
    public async Task Choices_without_a_delta_are_accepted()
    {
        // [built] Azure-style content-filter chunks carry choices without delta (MEAI.OpenAI 10.10 threw on them,
        // dotnet/extensions#7790); some servers send "delta": null on the finish chunk.
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Stream(
            """{"id":"","object":"","created":0,"model":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}],"choices":[]}""",
            """{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"finish_reason":null,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}}}]}""",
            """{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}""",
            """{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":null,"finish_reason":"stop"}]}""")));

        var updates = await For(fake).CollectAsync([new(ChatRole.User, "hello")]);

        Assert.Equal("Hi", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
    }
}
