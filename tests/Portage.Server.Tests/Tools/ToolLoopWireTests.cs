using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Portage.Testing;
using Portage.Testing.Fakes;

namespace Portage.Server.Tests.Tools;

/// <summary>
/// The tool loop on every provider's own wire format: the fake replays the documented tool-call stream, the router
/// runs the registered tool, and the provider's next request carries the call and its result the way that provider
/// expects; then the documented text stream finishes the run.
/// </summary>
public sealed class ToolLoopWireTests
{
    [Fact]
    public async Task Anthropic_tool_use_is_executed_and_answered_with_a_tool_result_block()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("anthropic/tool-use.sse")), FakeResponse.Sse(Transcripts.Read("anthropic/text.sse")));
        var weather = AIFunctionFactory.Create(([Description("The city and state")] string location) => new { location, temperature = "15 degrees" },
            "get_weather", "Get the current weather in a given location");
        using var app = new PortageApp(settings: new Dictionary<string, string?>
        {
            ["Providers:Anthropic:ApiKey"] = "test-key",
            ["Providers:Anthropic:BaseUrl"] = fake.BaseUrl,
        }, tools: [weather]);

        var run = await app.RunAsync(Runs.Body("What is the weather like in San Francisco?", provider: "anthropic"));

        AssertCallThenResultThenText(run, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather", "Hello!");
        var first = JsonNode.Parse(fake.Requests[0].Body)!;
        Assert.Equal("get_weather", first["tools"]![0]!["name"]!.GetValue<string>());
        var messages = JsonNode.Parse(fake.Requests[1].Body)!["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "user"], messages.Select(m => m!["role"]!.GetValue<string>()));
        var toolUse = messages[1]!["content"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == "tool_use")!;
        Assert.Equal("toolu_01T1x1fJ34qAmk2tNTrN7Up6", toolUse["id"]!.GetValue<string>());
        var toolResult = messages[2]!["content"]!.AsArray().Single()!;
        Assert.Equal(("tool_result", "toolu_01T1x1fJ34qAmk2tNTrN7Up6"), (toolResult["type"]!.GetValue<string>(), toolResult["tool_use_id"]!.GetValue<string>()));
        Assert.Contains("15 degrees", toolResult["content"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAI_tool_calls_are_executed_and_answered_with_a_tool_message()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("openai/chat-tool-call.sse")), FakeResponse.Sse(Transcripts.Read("openai/chat-text.sse")));
        var age = AIFunctionFactory.Create(([Description("The person whose age is being requested")] string personName) => new { personName, age = 42 },
            "GetPersonAge", "Gets the age of the specified person.");
        using var app = new PortageApp(settings: new Dictionary<string, string?>
        {
            ["Providers:OpenAI:ApiKey"] = "test-key",
            ["Providers:OpenAI:BaseUrl"] = fake.BaseUrl + "/v1",
        }, tools: [age]);

        var run = await app.RunAsync(Runs.Body("How old is Alice?", provider: "openai"));

        AssertCallThenResultThenText(run, "call_F9ZaqPWo69u0urxAhVt8meDW", "GetPersonAge", "Hello! How can I assist you today?");
        Assert.Equal("GetPersonAge", JsonNode.Parse(fake.Requests[0].Body)!["tools"]![0]!["function"]!["name"]!.GetValue<string>());
        var messages = JsonNode.Parse(fake.Requests[1].Body)!["messages"]!.AsArray();
        Assert.Equal(["system", "user", "assistant", "tool"], messages.Select(m => m!["role"]!.GetValue<string>()));
        Assert.Equal("call_F9ZaqPWo69u0urxAhVt8meDW", messages[2]!["tool_calls"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("call_F9ZaqPWo69u0urxAhVt8meDW", messages[3]!["tool_call_id"]!.GetValue<string>());
        Assert.Equal(42, JsonNode.Parse(messages[3]!["content"]!.GetValue<string>())!["age"]!.GetValue<int>());
    }

    [Fact]
    public async Task Gemini_function_calls_are_executed_and_answered_with_a_function_response()
    {
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("google/tool-call.sse")), FakeResponse.Sse(Transcripts.Read("google/text.sse")));
        var weather = AIFunctionFactory.Create((string location) => new { result = "72°F and sunny in " + location },
            "get_weather", "Gets the weather for a location");
        using var app = new PortageApp(settings: new Dictionary<string, string?>
        {
            ["Providers:Google:ApiKey"] = "test-key",
            ["Providers:Google:BaseUrl"] = fake.BaseUrl,
        }, tools: [weather]);

        var run = await app.RunAsync(Runs.Body("Tell me the weather in Paris.", provider: "google"));

        var callId = run.Frames.Single(f => f.Event == "agent_tool_call").Json.GetProperty("call_id").GetString()!;
        AssertCallThenResultThenText(run, callId, "get_weather", "The weather in Paris is 72°F and sunny.");
        Assert.Equal("get_weather", JsonNode.Parse(fake.Requests[0].Body)!["tools"]![0]!["functionDeclarations"]![0]!["name"]!.GetValue<string>());
        var contents = JsonNode.Parse(fake.Requests[1].Body)!["contents"]!.AsArray();
        Assert.Equal(["user", "model", "user"], contents.Select(c => c!["role"]!.GetValue<string>()));
        var call = contents[1]!["parts"]!.AsArray().Single(p => p!["functionCall"] is not null)!["functionCall"]!;
        Assert.Equal(("get_weather", "Paris"), (call["name"]!.GetValue<string>(), call["args"]!["location"]!.GetValue<string>()));
        var response = contents[2]!["parts"]![0]!["functionResponse"]!;
        Assert.Equal("get_weather", response["name"]!.GetValue<string>());
        Assert.Contains("72°F and sunny in Paris", response["response"]!.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }), StringComparison.Ordinal);
    }

    private static void AssertCallThenResultThenText(RunResult run, string callId, string name, string finalText)
    {
        var events = run.Frames.Select(f => f.Event).ToList();
        var call = events.IndexOf("agent_tool_call");
        var result = events.IndexOf("agent_tool_result");
        Assert.True(call > 0 && result == call + 1, string.Join(", ", events));
        Assert.Equal((callId, name), (run.Frames[call].Json.GetProperty("call_id").GetString(), run.Frames[call].Json.GetProperty("name").GetString()));
        Assert.Equal(callId, run.Frames[result].Json.GetProperty("call_id").GetString());
        Assert.Equal(JsonValueKind.Null, run.Frames[result].Json.GetProperty("error").ValueKind);
        Assert.Equal(JsonValueKind.Object, run.Frames[result].Json.GetProperty("result").ValueKind);
        Assert.EndsWith(finalText, run.Text, StringComparison.Ordinal);
        Assert.Equal("agent_finish", run.Terminal.Event);
        Assert.Equal("end_turn", run.Terminal.Json.GetProperty("stop_reason").GetString());
    }
}
