using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Testing.Fakes;

namespace Portage.Providers.Google.Tests;

/// <summary>The Gemini client against the documented streams (provider-protocols.md §3.2), replayed by a fake server.</summary>
public sealed class GeminiStreamTests
{
    [Theory]
    [InlineData("google/text.sse")]
    [InlineData("google/text-crlf.sse")]
    public async Task Text_stream_with_LF_or_CRLF_framing_yields_the_deltas_a_stop_and_the_last_usage_once(string transcript)
    {
        var body = Transcripts.Read(transcript);
        Assert.Equal(transcript.Contains("crlf", StringComparison.Ordinal), body.Contains("\r\n\r\n", StringComparison.Ordinal));
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(body));

        var updates = await GoogleKit.Gemini(fake).CollectAsync([new ChatMessage(ChatRole.User, "What is the weather in Paris?")]);

        Assert.Equal(["The weather in Paris", " is 72°F and sunny."], updates.All<TextContent>().Select(t => t.Text));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        var usage = Assert.Single(updates.All<UsageContent>()).Details;
        Assert.Same(usage, updates[^1].Contents.OfType<UsageContent>().Single().Details);
        Assert.Equal((145L, 13L, 158L), (usage.InputTokenCount!.Value, usage.OutputTokenCount!.Value, usage.TotalTokenCount!.Value));
        Assert.Null(usage.ReasoningTokenCount);
        Assert.Equal("gemini-2.5-pro", updates[0].ModelId);

        var request = Assert.Single(fake.Requests);
        Assert.Equal(("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"), (request.Method, request.PathAndQuery));
        Assert.Equal(GoogleKit.ApiKey, request.Headers["x-goog-api-key"]);
        GoogleKit.JsonEqual("""{"contents":[{"role":"user","parts":[{"text":"What is the weather in Paris?"}]}]}""", request.Body);
    }

    [Fact]
    public async Task Tool_call_stream_keeps_the_thought_out_of_the_text_and_yields_one_call_and_a_tool_calls_finish()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("google/tool-call.sse")));

        var updates = await GoogleKit.Gemini(fake).CollectAsync([new ChatMessage(ChatRole.User, "Paris weather?")], new ChatOptions { ModelId = "gemini-2.5-pro" });

        Assert.Equal(
            ["Of course! Someone in Paris might want to know the weather to decide whether to",
             " stroll along the Seine, visit an outdoor market, or perhaps opt for a cozy day in a museum.",
             " Let me check the weather for you."],
            updates.All<TextContent>().Select(t => t.Text));
        var thought = Assert.Single(updates.All<TextReasoningContent>(), r => !string.IsNullOrEmpty(r.Text));
        Assert.Equal("Understanding the context", thought.Text);

        var call = Assert.Single(updates.All<FunctionCallContent>());
        Assert.Equal(("call_1", "get_weather"), (call.CallId, call.Name));
        Assert.Equal("Paris", ((JsonElement)call.Arguments!["location"]!).GetString());
        Assert.False(call.InformationalOnly);

        Assert.Equal(ChatFinishReason.ToolCalls, updates[^1].FinishReason);
        var usage = Assert.Single(updates.All<UsageContent>()).Details;
        Assert.Equal((60L, 52L, 5L, 112L), (usage.InputTokenCount!.Value, usage.OutputTokenCount!.Value, usage.ReasoningTokenCount!.Value, usage.TotalTokenCount!.Value));
        Assert.Equal("/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse", fake.Requests[0].PathAndQuery);
    }

    [Fact]
    public async Task The_thought_signature_follows_its_part_and_survives_the_transcript_json()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("google/tool-call.sse")));
        var updates = await GoogleKit.Gemini(fake).CollectAsync([new ChatMessage(ChatRole.User, "Paris weather?")]);

        var stored = GoogleKit.RoundTrip(updates.ToChatResponse().Messages);

        var contents = Assert.Single(stored).Contents;
        var signed = contents.OfType<TextContent>().First();
        Assert.StartsWith("Of course!", signed.Text, StringComparison.Ordinal);
        var marker = Assert.IsType<TextReasoningContent>(contents[contents.IndexOf(signed) + 1]);
        Assert.Equal(("", "CiIB0e2Kb3a4gkvo"), (marker.Text, marker.ProtectedData));
    }

    [Fact]
    public async Task Follow_up_after_a_tool_result_sends_the_documented_multi_turn_contents_with_thoughts_and_signature()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("google/tool-call.sse")), FakeResponse.Sse(Transcripts.Read("google/text.sse")));
        var client = GoogleKit.Gemini(fake);
        var tool = AIFunctionFactory.Create((string location) => "72°F and sunny", "get_weather", "Gets the weather for a location");
        var options = new ChatOptions { ModelId = "gemini-2.5-pro", Tools = [tool] };
        List<ChatMessage> history = [new(ChatRole.User, "Think carefully about why someone in Paris might want to know the weather, then tell me the weather there.")];

        // Core's tool loop: the assistant message as ToChatResponse built it, then the result in a tool message.
        var first = (await client.CollectAsync(history, options)).ToChatResponse();
        var call = Assert.Single(first.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        history.AddRange(first.Messages);
        history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, JsonDocument.Parse("""{"result": "72\u00B0F and sunny in Paris"}""").RootElement)]));
        var updates = await client.CollectAsync(GoogleKit.RoundTrip(history), options);

        Assert.Equal("The weather in Paris is 72°F and sunny.", string.Concat(updates.All<TextContent>().Select(t => t.Text)));
        var documented = JsonSerializer.Deserialize<JsonElement>(Transcripts.Read("google/multi-turn-request.json"));
        var sent = fake.Requests[1].Body();

        // The one deliberate difference: Gemini sent no call id, so none is sent back (the document's client sent "").
        var expectedContents = System.Text.Json.Nodes.JsonNode.Parse(documented.GetProperty("contents").GetRawText())!;
        expectedContents[2]!["parts"]![0]!["functionResponse"]!.AsObject().Remove("id");
        GoogleKit.JsonEqual(expectedContents, sent["contents"]);
        GoogleKit.JsonEqual(documented.GetProperty("tools").GetRawText(), sent["tools"]!.ToJsonString());
    }

    [Fact]
    public async Task A_signed_function_call_gets_its_signature_back_and_parallel_calls_get_their_own_results()
    {
        // §3.3's real body (gemini-2.5-flash) as one stream frame: two calls, the first one signed.
        const string Body = """{"candidates": [{"content": {"parts": [{"functionCall": {"name": "list_directory","args": {"path": "/tmp"}},"thoughtSignature": "CiQBEU0yD7pXvs4wv+3ZLLv0dNW12KR"},{"functionCall": {"name": "read_file","args": {"path": "/tmp/foo.txt"}}}],"role": "model"},"finishReason": "STOP","index": 0,"finishMessage": "Model generated function call(s)."}],"usageMetadata": {"promptTokenCount": 103,"candidatesTokenCount": 34,"totalTokenCount": 188},"modelVersion": "gemini-2.5-flash","responseId": "_V2BapveKcPg8QGa35aRCw"}""";
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(GoogleKit.Sse(Body)), FakeResponse.Sse(Transcripts.Read("google/text.sse")));
        var client = GoogleKit.Gemini(fake);
        List<ChatMessage> history = [new(ChatRole.User, "What is in /tmp?")];

        var first = await client.CollectAsync(history);
        Assert.Equal(ChatFinishReason.ToolCalls, first[^1].FinishReason);
        Assert.Equal("_V2BapveKcPg8QGa35aRCw", first[0].ResponseId);
        var response = first.ToChatResponse();
        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        Assert.Equal(["call_1", "call_2"], calls.Select(c => c.CallId));
        history.AddRange(response.Messages);
        history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call_2", "hello"), new FunctionResultContent("call_1", "foo.txt")]));
        await client.CollectAsync(GoogleKit.RoundTrip(history));

        GoogleKit.JsonEqual(
            """
            [{"role": "user", "parts": [{"text": "What is in /tmp?"}]},
             {"role": "model", "parts": [{"functionCall": {"name": "list_directory", "args": {"path": "/tmp"}}, "thoughtSignature": "CiQBEU0yD7pXvs4wv+3ZLLv0dNW12KR"},
                                         {"functionCall": {"name": "read_file", "args": {"path": "/tmp/foo.txt"}}}]},
             {"role": "user", "parts": [{"functionResponse": {"name": "read_file", "response": {"result": "hello"}}},
                                        {"functionResponse": {"name": "list_directory", "response": {"result": "foo.txt"}}}]}]
            """,
            fake.Requests[1].Body()["contents"]!.ToJsonString());
    }

    [Fact]
    public async Task System_messages_become_the_system_instruction_and_max_tokens_the_generation_config()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("google/text.sse")));

        await GoogleKit.Gemini(fake).CollectAsync(
            [new ChatMessage(ChatRole.System, "You are a cat. Your name is Neko."), new ChatMessage(ChatRole.User, "Hello there")],
            new ChatOptions { MaxOutputTokens = 1024 });

        GoogleKit.JsonEqual(
            """
            {"systemInstruction": {"parts": [{"text": "You are a cat. Your name is Neko."}]},
             "contents": [{"role": "user", "parts": [{"text": "Hello there"}]}],
             "generationConfig": {"maxOutputTokens": 1024}}
            """,
            fake.Requests[0].Body);
    }

    [Fact]
    public async Task Consecutive_messages_of_one_role_are_merged_because_Gemini_requires_alternation()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("google/text.sse")));

        await GoogleKit.Gemini(fake).CollectAsync(
        [
            new ChatMessage(ChatRole.User, "one"), new ChatMessage(ChatRole.User, "two"),
            new ChatMessage(ChatRole.Assistant, "three"), new ChatMessage(ChatRole.Assistant, "four"),
            new ChatMessage(ChatRole.User, "five"),
        ]);

        GoogleKit.JsonEqual(
            """
            {"contents": [
              {"role": "user", "parts": [{"text": "one"}, {"text": "two"}]},
              {"role": "model", "parts": [{"text": "three"}, {"text": "four"}]},
              {"role": "user", "parts": [{"text": "five"}]}]}
            """,
            fake.Requests[0].Body);
    }

    [Fact]
    public async Task Results_without_a_known_call_id_are_matched_to_the_calls_by_order_and_carry_their_names()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("google/text.sse")));
        var args = new Dictionary<string, object?> { ["path"] = "/tmp" };

        await GoogleKit.Gemini(fake).CollectAsync(
        [
            new ChatMessage(ChatRole.User, "look around"),
            new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("gem-id-7", "list_directory", args), new FunctionCallContent("x", "read_file", args)]),
            new ChatMessage(ChatRole.Tool, [new FunctionResultContent("gem-id-7", "two files"), new FunctionResultContent("unknown", JsonDocument.Parse("[1,2]").RootElement)]),
        ]);

        GoogleKit.JsonEqual(
            """
            [{"role": "user", "parts": [{"text": "look around"}]},
             {"role": "model", "parts": [{"functionCall": {"id": "gem-id-7", "name": "list_directory", "args": {"path": "/tmp"}}},
                                         {"functionCall": {"id": "x", "name": "read_file", "args": {"path": "/tmp"}}}]},
             {"role": "user", "parts": [{"functionResponse": {"id": "gem-id-7", "name": "list_directory", "response": {"result": "two files"}}},
                                        {"functionResponse": {"id": "x", "name": "read_file", "response": {"result": [1, 2]}}}]}]
            """,
            fake.Requests[0].Body()["contents"]!.ToJsonString());
    }
}
