using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portage.Testing;
using Portage.Testing.Fakes;
using static Portage.Server.Tests.CrossProvider.ProviderFakes;

namespace Portage.Server.Tests.CrossProvider;

/// <summary>
/// Issue scope 4, DESIGN rule 6 with rules 3(d), 4 and 5: one context window carried across anthropic, google and
/// openai, each behind its own fake server, and the exact request body every fake received. A window started on one
/// provider continues on another as valid messages of the target: roles mapped, same-role turns merged where the
/// provider needs alternation, tool calls and their results kept together (native within a provider, as text across),
/// no thinking blocks or signatures crossing, the oldest exchanges dropped first over the budget.
/// </summary>
public sealed class CrossProviderWindowTests
{
    private const string SystemPrompt = "You are a travel assistant.";
    private const string EndUser = "u-traveller";

    // What each provider's own reasoning looks like on the wire; none of it may reach another provider.
    private const string ClaudeThinking = "The user wants the weather in San Francisco. I should call get_weather.";
    private const string ClaudeSignature = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...";
    private const string ClaudeToolId = "toolu_01T1x1fJ34qAmk2tNTrN7Up6";
    private const string GeminiThought = "Weighing tomorrow's forecast for Paris";
    private const string GeminiSignature = "SIG-gemini-paris-1";
    private const string OpenAIToolId = "call_Cr0ssParisWeather01";

    // The tool as each provider declares it (the Anthropic and OpenAI SDKs close the schema with additionalProperties).
    private const string AnthropicTools = """
        [{"name": "get_weather", "description": "Get the current weather in a given location",
          "input_schema": {"type": "object", "properties": {"location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"}}, "required": ["location"], "additionalProperties": false}}]
        """;

    private const string GeminiTools = """
        [{"functionDeclarations": [{"name": "get_weather", "description": "Get the current weather in a given location",
          "parametersJsonSchema": {"type": "object", "properties": {"location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"}}, "required": ["location"]}}]}]
        """;

    private const string OpenAITools = """
        [{"type": "function", "function": {"name": "get_weather", "description": "Get the current weather in a given location",
          "parameters": {"type": "object", "properties": {"location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"}}, "required": ["location"], "additionalProperties": false}}}]
        """;

    // Turn 1 (anthropic) as another provider reads it: text, the call with its result, text, in order; no thinking.
    private const string SanFranciscoRendered =
        """Okay, let's check the weather for San Francisco, CA:\n[tool call get_weather {\"location\":\"San Francisco, CA\"} → {\"location\":\"San Francisco, CA\",\"temperature_c\":15,\"sky\":\"fog\"}]\nIt is 15 °C and foggy in San Francisco.""";

    // Turn 3 (openai) as anthropic reads it: no call id of OpenAI's, the pair as one line of text.
    private const string ParisRendered =
        """[tool call get_weather {\"location\":\"Paris\"} → {\"location\":\"Paris\",\"temperature_c\":18,\"sky\":\"clear\"}]\nParis is 18 °C and clear, 3 °C warmer than San Francisco.""";

    // Turn 1's native anthropic exchange: what anthropic itself gets back on its session (rule 4).
    private const string AnthropicTurn1 = $$"""
        {"role": "user", "content": [{"type": "text", "text": "What's the weather in San Francisco?"}]},
        {"role": "assistant", "content": [
          {"type": "thinking", "thinking": "{{ClaudeThinking}}", "signature": "{{ClaudeSignature}}"},
          {"type": "text", "text": "Okay, let's check the weather for San Francisco, CA:"},
          {"type": "tool_use", "id": "{{ClaudeToolId}}", "name": "get_weather", "input": {"location": "San Francisco, CA"} }]},
        {"role": "user", "content": [
          {"type": "tool_result", "tool_use_id": "{{ClaudeToolId}}", "is_error": false,
           "content": "{\"location\":\"San Francisco, CA\",\"temperature_c\":15,\"sky\":\"fog\"}"}]}
        """;

    [Fact]
    public async Task One_window_runs_anthropic_then_google_then_openai_then_anthropic_again_and_each_fake_gets_valid_native_messages()
    {
        await using var fakes = await ProviderFakes.StartAsync();
        fakes.Anthropic.Enqueue(
            AnthropicStream("anthropic/thinking-tool-use.sse"),
            AnthropicStream("cross/anthropic-weather-answer.sse"),
            AnthropicStream("cross/anthropic-summary.sse"));
        fakes.Google.Enqueue(EventStream("cross/gemini-thinking-text.sse"));
        fakes.OpenAI.Enqueue(EventStream("cross/openai-weather-call.sse"), EventStream("cross/openai-weather-answer.sse"));
        using var app = fakes.App();

        // Turn 1 starts the window; turns 2 and 3 omit session_id and land in it by rule 3(d); turn 4 names turn 1's session.
        var turn1 = await app.RunAsync(Body("anthropic", "What's the weather in San Francisco?"));
        var turn2 = await app.RunAsync(Body("google", "Should I pack an umbrella for Paris tomorrow?"));
        var turn3 = await app.RunAsync(Body("openai", "And how warm is Paris right now?"));
        var turn4 = await app.RunAsync(Body("anthropic", "Thanks! Sum up both cities in one line.", session: turn1.SessionId));

        // The wire: the router ran get_weather for anthropic (turn 1) and for openai (turn 3).
        Assert.Equal(["run_started", "agent_text_delta", "agent_tool_call", "agent_tool_result", "agent_text_delta", "agent_text_delta", "agent_finish"], turn1.Frames.Select(f => f.Event));
        Assert.Equal(["run_started", "agent_text_delta", "agent_text_delta", "agent_finish"], turn2.Frames.Select(f => f.Event));
        Assert.Equal(["run_started", "agent_tool_call", "agent_tool_result", "agent_text_delta", "agent_text_delta", "agent_finish"], turn3.Frames.Select(f => f.Event));
        Assert.Equal(["run_started", "agent_text_delta", "agent_text_delta", "agent_finish"], turn4.Frames.Select(f => f.Event));
        Assert.Equal(WeatherService.SanFrancisco, turn1.Frames[3].Json.GetProperty("result").GetRawText());
        Assert.Equal(WeatherService.Paris, turn3.Frames[2].Json.GetProperty("result").GetRawText());
        Assert.Equal("San Francisco: 15 °C and fog. Paris: 18 °C and clear, dry tomorrow.", turn4.Text);

        // One window throughout; google and openai got fresh sessions, turn 4 continued turn 1's.
        var window = turn1.WindowId;
        var runs = new[] { turn1, turn2, turn3, turn4 };
        Assert.All(runs, run => Assert.Equal(window, run.WindowId));
        Assert.All(runs, run => Assert.Equal(window, run.Terminal.Json.GetProperty("context_window_id").GetString()));
        Assert.Equal(turn1.SessionId, turn4.SessionId);
        Assert.Equal(3, new[] { turn1.SessionId, turn2.SessionId, turn3.SessionId }.Distinct().Count());
        Assert.Equal(["anthropic", "google", "openai", "anthropic"], runs.Select(r => r.Terminal.Json.GetProperty("provider").GetString()));

        // Every agent_finish carries the provider's usage (cache reads and thinking in their own tiers) and a priced cost.
        Assert.Equal(
            [(1057L, 103L, 0L, (long?)null), (96L, 11L, 0L, 8L), (202L, 28L, 128L, 0L), (702L, 21L, 512L, null)],
            runs.Select(r => Usage(r.Terminal.Json.GetProperty("usage"))));
        Assert.All(runs, run =>
        {
            var usage = run.Terminal.Json.GetProperty("usage");
            Assert.True(usage.GetProperty("cost_microcents").GetInt64() > 0);
            Assert.Equal(usage.GetProperty("cost_microcents").GetInt64(), usage.GetProperty("cost_breakdown_microcents").GetProperty("total").GetInt64());
        });

        // The window's log lists each turn under the provider that ran it, in order, tool parts in place.
        var turns = await app.TurnsAsync(window);
        Assert.Equal(["user", "assistant", "user", "assistant", "user", "assistant", "user", "assistant"], Strings(turns, "role"));
        Assert.Equal(["anthropic", "anthropic", "google", "google", "openai", "openai", "anthropic", "anthropic"], Strings(turns, "provider"));
        Assert.All(Strings(turns, "status"), status => Assert.Equal("succeeded", status));
        Assert.Equal(["text", "tool_call", "tool_result", "text"], Strings(turns[1].GetProperty("parts"), "type"));
        Assert.Equal(["tool_call", "tool_result", "text"], Strings(turns[5].GetProperty("parts"), "type"));

        // anthropic #1 and #2: turn 1 and its tool loop, native (thinking block, signature, tool ids).
        Assert.Equal(3, fakes.Anthropic.Requests.Count);
        WireAssert.Body(AnthropicPath, AnthropicBody("""
            {"role": "user", "content": [{"type": "text", "text": "What's the weather in San Francisco?"}]}
            """), fakes.Anthropic.Requests[0], "anthropic #1 (turn 1)");
        WireAssert.Body(AnthropicPath, AnthropicBody(AnthropicTurn1), fakes.Anthropic.Requests[1], "anthropic #2 (turn 1, after get_weather)");

        // google: a fresh session gets the window as user/model text. Turn 1's call and result are one piece of text
        // inside the model turn; nothing of anthropic's thinking, signature or tool ids.
        WireAssert.Body(GeminiPath, GeminiBody($$"""
            {"role": "user", "parts": [{"text": "What's the weather in San Francisco?"}]},
            {"role": "model", "parts": [{"text": "{{SanFranciscoRendered}}"}]},
            {"role": "user", "parts": [{"text": "Should I pack an umbrella for Paris tomorrow?"}]}
            """), Assert.Single(fakes.Google.Requests), "google (turn 2)");

        // openai #1: system first, then user/assistant alternating, turn 1 rendered, google's answer without its thought.
        const string OpenAIHistory = $$"""
            {"role": "user", "content": "What's the weather in San Francisco?"},
            {"role": "assistant", "content": "{{SanFranciscoRendered}}"},
            {"role": "user", "content": "Should I pack an umbrella for Paris tomorrow?"},
            {"role": "assistant", "content": "Paris looks dry tomorrow, so no umbrella needed."},
            {"role": "user", "content": "And how warm is Paris right now?"}
            """;
        Assert.Equal(2, fakes.OpenAI.Requests.Count);
        WireAssert.Body(OpenAIPath, OpenAIBody(OpenAIHistory), fakes.OpenAI.Requests[0], "openai #1 (turn 3)");

        // openai #2: its own call and result go back natively, paired by OpenAI's id.
        WireAssert.Body(OpenAIPath, OpenAIBody($$"""
            {{OpenAIHistory}},
            {"role": "assistant", "tool_calls": [{"id": "{{OpenAIToolId}}", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris\"}"} }]},
            {"role": "tool", "tool_call_id": "{{OpenAIToolId}}", "content": "{\"location\":\"Paris\",\"temperature_c\":18,\"sky\":\"clear\"}"}
            """), fakes.OpenAI.Requests[1], "openai #2 (turn 3, after get_weather)");

        // anthropic #3: turn 1's native transcript as it was (thinking and signature, tool_use and tool_result by id,
        // the answer), then what google and openai added since as text, then the new message; roles alternate.
        WireAssert.Body(AnthropicPath, AnthropicBody($$"""
            {{AnthropicTurn1}},
            {"role": "assistant", "content": [{"type": "text", "text": "It is 15 °C and foggy in San Francisco."}]},
            {"role": "user", "content": [{"type": "text", "text": "Should I pack an umbrella for Paris tomorrow?"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "Paris looks dry tomorrow, so no umbrella needed."}]},
            {"role": "user", "content": [{"type": "text", "text": "And how warm is Paris right now?"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "{{ParisRendered}}"}]},
            {"role": "user", "content": [{"type": "text", "text": "Thanks! Sum up both cities in one line."}]}
            """), fakes.Anthropic.Requests[2], "anthropic #3 (turn 4, session of turn 1)");

        // Spelled out, although the exact bodies above already say it: reasoning stays with the provider that made it.
        foreach (var request in fakes.Google.Requests.Concat(fakes.OpenAI.Requests))
        {
            Assert.DoesNotContain(ClaudeSignature, request.Body, StringComparison.Ordinal);
            Assert.DoesNotContain(ClaudeThinking, request.Body, StringComparison.Ordinal);
            Assert.DoesNotContain(ClaudeToolId, request.Body, StringComparison.Ordinal);
        }

        foreach (var request in fakes.OpenAI.Requests.Concat(fakes.Anthropic.Requests))
        {
            Assert.DoesNotContain(GeminiSignature, request.Body, StringComparison.Ordinal);
            Assert.DoesNotContain(GeminiThought, request.Body, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(OpenAIToolId, fakes.Anthropic.Requests[2].Body, StringComparison.Ordinal);
        WireAssert.Alternates("anthropic", Parse(fakes.Anthropic.Requests[2]));
        WireAssert.Alternates("google", Parse(fakes.Google.Requests[0]));
        WireAssert.Alternates("openai", Parse(fakes.OpenAI.Requests[0]));
        AssertNoOrphans(fakes);
    }

    [Fact]
    public async Task A_run_that_failed_on_anthropic_leaves_an_unanswered_user_turn_that_the_continued_google_session_sends_merged_with_the_new_message()
    {
        await using var fakes = await ProviderFakes.StartAsync();
        fakes.Google.Enqueue(EventStream("cross/gemini-thinking-text.sse"), EventStream("google/text.sse"));
        fakes.Anthropic.Enqueue(FakeResponse.Json(400,
            """{"type":"error","error":{"type":"invalid_request_error","message":"messages: text content blocks must be non-empty"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}"""));
        using var app = fakes.App();

        var onGoogle = await app.RunAsync(Body("google", "Should I pack an umbrella for Paris tomorrow?"));
        var failed = await app.RunAsync(Body("anthropic", "And for Rome?"));
        var again = await app.RunAsync(Body("google", "I mean Rome, Italy, on Saturday."));

        Assert.Equal(("agent_error", "provider_error"), (failed.Terminal.Event, failed.Terminal.Json.GetProperty("type").GetString()));
        Assert.True(again.Finished);
        Assert.Equal(onGoogle.SessionId, again.SessionId); // rule 4: session_id omitted reuses google's session of the window
        var turns = await app.TurnsAsync(onGoogle.WindowId);
        Assert.Equal([("user", "succeeded"), ("assistant", "succeeded"), ("user", "succeeded"), ("assistant", "failed"), ("user", "succeeded"), ("assistant", "succeeded")],
            turns.EnumerateArray().Select(t => (t.GetProperty("role").GetString(), t.GetProperty("status").GetString())));
        Assert.Empty(turns[3].GetProperty("parts").EnumerateArray());

        // The failed anthropic request itself: google's exchange rendered as text, no thought, no signature.
        WireAssert.Body(AnthropicPath, AnthropicBody("""
            {"role": "user", "content": [{"type": "text", "text": "Should I pack an umbrella for Paris tomorrow?"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "Paris looks dry tomorrow, so no umbrella needed."}]},
            {"role": "user", "content": [{"type": "text", "text": "And for Rome?"}]}
            """), Assert.Single(fakes.Anthropic.Requests), "anthropic (failed run)");

        // Google's own session replays natively (its thought and signature are its own), then the unanswered user turn and
        // the new message as ONE user content: Gemini refuses two user turns in a row.
        Assert.Equal(2, fakes.Google.Requests.Count);
        WireAssert.Body(GeminiPath, GeminiBody("""
            {"role": "user", "parts": [{"text": "Should I pack an umbrella for Paris tomorrow?"}]}
            """), fakes.Google.Requests[0], "google #1");
        WireAssert.Body(GeminiPath, GeminiBody($$"""
            {"role": "user", "parts": [{"text": "Should I pack an umbrella for Paris tomorrow?"}]},
            {"role": "model", "parts": [
              {"thought": true, "text": "{{GeminiThought}}"},
              {"text": "Paris looks dry tomorrow", "thoughtSignature": "{{GeminiSignature}}"},
              {"text": ", so no umbrella needed."}]},
            {"role": "user", "parts": [{"text": "And for Rome?\n\nI mean Rome, Italy, on Saturday."}]}
            """), fakes.Google.Requests[1], "google #2 (after the failed run)");
        WireAssert.Alternates("google", Parse(fakes.Google.Requests[1]));
        AssertNoOrphans(fakes);
    }

    [Fact]
    public async Task A_first_run_that_failed_on_openai_is_merged_into_the_first_user_content_of_a_fresh_google_session()
    {
        await using var fakes = await ProviderFakes.StartAsync();
        fakes.OpenAI.Enqueue(FakeResponse.Json(400,
            """{"error":{"message":"Invalid 'messages[1].content': string too long.","type":"invalid_request_error","param":"messages[1].content","code":"string_above_max_length"}}"""));
        fakes.Google.Enqueue(EventStream("google/text.sse"));
        using var app = fakes.App();

        var failed = await app.RunAsync(Body("openai", "What's the weather in Paris?"));
        var onGoogle = await app.RunAsync(Body("google", "Hello? Paris, please."));

        Assert.Equal("agent_error", failed.Terminal.Event);
        Assert.Equal(failed.WindowId, onGoogle.WindowId);
        Assert.Equal("The weather in Paris is 72°F and sunny.", onGoogle.Text);
        WireAssert.Body(OpenAIPath, OpenAIBody("""
            {"role": "user", "content": "What's the weather in Paris?"}
            """), Assert.Single(fakes.OpenAI.Requests), "openai (failed run)");
        WireAssert.Body(GeminiPath, GeminiBody("""
            {"role": "user", "parts": [{"text": "What's the weather in Paris?\n\nHello? Paris, please."}]}
            """), Assert.Single(fakes.Google.Requests), "google (fresh session after the failed run)");
    }

    // Three anthropic exchanges; their token estimates (from the turns' usage) are E1 = 4 + 15, E2 = 9 + 103 (the tool
    // exchange), E3 = 5 + 6. A budget of 123 holds E3 + E2 exactly; 122 does not.
    [Fact]
    public async Task Over_the_google_budget_the_oldest_exchange_goes_first_and_the_tool_exchange_that_fits_stays_whole()
    {
        await using var fakes = await ProviderFakes.StartAsync();
        await RunThreeExchangesThenGoogleAsync(fakes, budget: 123);

        WireAssert.Body(GeminiPath, GeminiBody($$"""
            {"role": "user", "parts": [{"text": "What's the weather in San Francisco?"}]},
            {"role": "model", "parts": [{"text": "{{SanFranciscoRendered}}"}]},
            {"role": "user", "parts": [{"text": "Thanks, that's all."}]},
            {"role": "model", "parts": [{"text": "You're welcome, safe travels!"}]},
            {"role": "user", "parts": [{"text": "One more: Paris?"}]}
            """), Assert.Single(fakes.Google.Requests), "google, budget 123");
        AssertNoOrphans(fakes);
    }

    [Fact]
    public async Task One_token_less_drops_the_tool_exchange_whole_and_everything_older_with_it()
    {
        await using var fakes = await ProviderFakes.StartAsync();
        await RunThreeExchangesThenGoogleAsync(fakes, budget: 122);

        // E1 alone would still fit, but it is older than E2: the oldest go first, so only a recent tail is kept.
        WireAssert.Body(GeminiPath, GeminiBody("""
            {"role": "user", "parts": [{"text": "Thanks, that's all."}]},
            {"role": "model", "parts": [{"text": "You're welcome, safe travels!"}]},
            {"role": "user", "parts": [{"text": "One more: Paris?"}]}
            """), Assert.Single(fakes.Google.Requests), "google, budget 122");
        AssertNoOrphans(fakes);
    }

    [Fact]
    public async Task A_tool_call_stopped_by_the_cycle_limit_reaches_google_and_openai_with_its_error_as_text()
    {
        await using var fakes = await ProviderFakes.StartAsync();
        fakes.Anthropic.Enqueue(AnthropicStream("anthropic/thinking-tool-use.sse"));
        fakes.Google.Enqueue(EventStream("google/text.sse"));
        fakes.OpenAI.Enqueue(EventStream("openai/chat-text.sse"));
        using var app = fakes.App(("Runs:MaxToolCycles", "0"));

        var stopped = await app.RunAsync(Body("anthropic", "What's the weather in San Francisco?"));
        await app.RunAsync(Body("google", "Never mind. Paris?"));
        await app.RunAsync(Body("openai", "hello"));

        Assert.Equal("max_cycles", stopped.Terminal.Json.GetProperty("stop_reason").GetString());
        const string Rendered =
            """Okay, let's check the weather for San Francisco, CA:\n[tool call get_weather {\"location\":\"San Francisco, CA\"} → error: Not executed: the run reached its limit of 0 tool cycles (Runs:MaxToolCycles).]""";
        WireAssert.Body(AnthropicPath, AnthropicBody("""
            {"role": "user", "content": [{"type": "text", "text": "What's the weather in San Francisco?"}]}
            """), Assert.Single(fakes.Anthropic.Requests), "anthropic");
        WireAssert.Body(GeminiPath, GeminiBody($$"""
            {"role": "user", "parts": [{"text": "What's the weather in San Francisco?"}]},
            {"role": "model", "parts": [{"text": "{{Rendered}}"}]},
            {"role": "user", "parts": [{"text": "Never mind. Paris?"}]}
            """), Assert.Single(fakes.Google.Requests), "google");
        WireAssert.Body(OpenAIPath, OpenAIBody($$"""
            {"role": "user", "content": "What's the weather in San Francisco?"},
            {"role": "assistant", "content": "{{Rendered}}"},
            {"role": "user", "content": "Never mind. Paris?"},
            {"role": "assistant", "content": "The weather in Paris is 72°F and sunny."},
            {"role": "user", "content": "hello"}
            """), Assert.Single(fakes.OpenAI.Requests), "openai");
        AssertNoOrphans(fakes);
    }

    [Fact]
    public async Task A_tool_call_cut_off_by_a_disconnect_reaches_google_as_having_no_result_and_anthropic_replays_it_answered()
    {
        await using var fakes = await ProviderFakes.StartAsync();

        // The stream stops right after the tool_use block and stays open: the call reaches the client, no result ever does.
        var events = Transcripts.SplitEvents(Transcripts.Read("anthropic/thinking-tool-use.sse"));
        var upToToolUse = events.TakeWhile(e => !e.Contains("\"message_delta\"", StringComparison.Ordinal)).ToList();
        fakes.Anthropic.Enqueue(new FakeResponse(200, "text/event-stream; charset=utf-8", upToToolUse) { HoldOpen = true }, AnthropicStream("cross/anthropic-welcome.sse"));
        fakes.Google.Enqueue(EventStream("google/text.sse"));
        using var app = fakes.App();

        string? session = null;
        using (var response = await SseFrames.StartRunAsync(app.Client, app.RunPath(), Body("anthropic", "What's the weather in San Francisco?")))
        {
            await foreach (var frame in SseFrames.ReadAsync(await response.Content.ReadAsStreamAsync()))
            {
                if (frame.Event == "run_started")
                {
                    session = frame.Json.GetProperty("session_id").GetString();
                }

                if (frame.Event == "agent_tool_call")
                {
                    break;
                }
            }
        }

        await fakes.Anthropic.ClientDisconnected.WaitAsync(TimeSpan.FromSeconds(30));

        // Rule 3(d) waits for the cancelled run to be recorded before it reads the window.
        var onGoogle = await app.RunAsync(Body("google", "Never mind. Paris?"));
        var back = await app.RunAsync(Body("anthropic", "Thanks", session: session));

        Assert.True(onGoogle.Finished && back.Finished);
        var cut = (await app.TurnsAsync(onGoogle.WindowId))[1];
        Assert.Equal("cancelled", cut.GetProperty("status").GetString());
        Assert.Equal(["text", "tool_call"], Strings(cut.GetProperty("parts"), "type"));

        WireAssert.Body(GeminiPath, GeminiBody("""
            {"role": "user", "parts": [{"text": "What's the weather in San Francisco?"}]},
            {"role": "model", "parts": [{"text": "Okay, let's check the weather for San Francisco, CA:\n[tool call get_weather {\"location\":\"San Francisco, CA\"} → no result]"}]},
            {"role": "user", "parts": [{"text": "Never mind. Paris?"}]}
            """), Assert.Single(fakes.Google.Requests), "google");

        // anthropic's session replays the cut-off call with the result the router recorded for it (the API refuses a
        // tool_use without its tool_result), then google's exchange as text. The tool_result and the next user text are
        // two user messages in a row, which the Messages API combines into one turn.
        Assert.Equal(2, fakes.Anthropic.Requests.Count);
        WireAssert.Body(AnthropicPath, AnthropicBody($$"""
            {"role": "user", "content": [{"type": "text", "text": "What's the weather in San Francisco?"}]},
            {"role": "assistant", "content": [
              {"type": "thinking", "thinking": "{{ClaudeThinking}}", "signature": "{{ClaudeSignature}}"},
              {"type": "text", "text": "Okay, let's check the weather for San Francisco, CA:"},
              {"type": "tool_use", "id": "{{ClaudeToolId}}", "name": "get_weather", "input": {"location": "San Francisco, CA"} }]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "{{ClaudeToolId}}", "is_error": true,
              "content": "{\"error\":\"Not executed: the run ended before this tool call was run.\"}"}]},
            {"role": "user", "content": [{"type": "text", "text": "Never mind. Paris?"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "The weather in Paris is 72°F and sunny."}]},
            {"role": "user", "content": [{"type": "text", "text": "Thanks"}]}
            """), fakes.Anthropic.Requests[1], "anthropic #2 (session continued)");
        AssertNoOrphans(fakes);
    }

    private static async Task RunThreeExchangesThenGoogleAsync(ProviderFakes fakes, int budget)
    {
        fakes.Anthropic.Enqueue(
            AnthropicStream("anthropic/text.sse"),
            AnthropicStream("anthropic/thinking-tool-use.sse"),
            AnthropicStream("cross/anthropic-weather-answer.sse"),
            AnthropicStream("cross/anthropic-welcome.sse"));
        fakes.Google.Enqueue(EventStream("google/text.sse"));
        // The truncation path: with compaction on, the dropped exchanges would be summarised instead.
        using var app = fakes.App(("Providers:Google:ContextBudgetTokens", budget.ToString(CultureInfo.InvariantCulture)), ("Compaction:Enabled", "false"));

        var first = await app.RunAsync(Body("anthropic", "Hello, Claude"));
        await app.RunAsync(Body("anthropic", "What's the weather in San Francisco?"));
        await app.RunAsync(Body("anthropic", "Thanks, that's all."));
        var onGoogle = await app.RunAsync(Body("google", "One more: Paris?"));

        Assert.True(onGoogle.Finished);
        var estimates = (await app.TurnsAsync(first.WindowId)).EnumerateArray().Take(6).Select(t => t.GetProperty("token_estimate").GetInt32());
        Assert.Equal([4, 15, 9, 103, 5, 6], estimates);
    }

    private static void AssertNoOrphans(ProviderFakes fakes)
    {
        foreach (var (provider, body) in fakes.AllBodies())
        {
            WireAssert.NoOrphans(provider, body);
        }
    }

    private static (long Input, long Output, long CacheRead, long? Thinking) Usage(JsonElement usage) => (
        usage.GetProperty("input_tokens").GetInt64(),
        usage.GetProperty("output_tokens").GetInt64(),
        usage.GetProperty("cache_read_input_tokens").GetInt64(),
        usage.TryGetProperty("thinking_tokens", out var thinking) ? thinking.GetInt64() : null);

    private static List<string?> Strings(JsonElement array, string property) =>
        [.. array.EnumerateArray().Select(e => e.GetProperty(property).GetString())];

    // A run request; without a session the session_id member is left out altogether, as a Copass client does.
    private static Dictionary<string, object?> Body(string provider, string message, string? session = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["provider"] = provider,
            ["system_prompt"] = SystemPrompt,
            ["messages"] = new[] { new { role = "user", content = message } },
            ["end_user_id"] = EndUser,
        };
        if (session is not null)
        {
            body["session_id"] = session;
        }

        return body;
    }

    // The full request bodies each SDK sends for a run of this suite, around the given messages or contents.
    // Prompt caching (on by default) marks the system prompt and the last block of the message before the newest one;
    // where exactly is pinned down in the anthropic provider's PromptCacheTests.
    private static string AnthropicBody(string messages)
    {
        var body = JsonNode.Parse($$$"""
            {"model": "claude-sonnet-4-6", "max_tokens": 16384, "stream": true,
             "system": [{"type": "text", "text": "{{{SystemPrompt}}}", "cache_control": {"type": "ephemeral"}}],
             "tools": {{{AnthropicTools}}},
             "messages": [{{{messages}}}]}
            """)!;
        if (body["messages"]!.AsArray() is [.., var beforeNewest, _])
        {
            beforeNewest!["content"]!.AsArray()[^1]!["cache_control"] = new JsonObject { ["type"] = "ephemeral" };
        }

        return body.ToJsonString();
    }

    private static string GeminiBody(string contents) => $$"""
        {"systemInstruction": {"parts": [{"text": "{{SystemPrompt}}"}]},
         "tools": {{GeminiTools}},
         "contents": [{{contents}}]}
        """;

    private static string OpenAIBody(string messages) => $$"""
        {"model": "gpt-4o-mini", "stream": true, "stream_options": {"include_usage": true},
         "tools": {{OpenAITools}}, "tool_choice": "auto",
         "messages": [{"role": "system", "content": "{{SystemPrompt}}"}, {{messages}}]}
        """;
}
