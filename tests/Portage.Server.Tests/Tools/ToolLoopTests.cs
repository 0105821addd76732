using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Testing;

namespace Portage.Server.Tests.Tools;

/// <summary>
/// The tool-use loop (issue 3, scope 5) through the HTTP surface: the model asks, the router runs the tool from its
/// registry, the wire shows the call and its result, and the model continues with the result.
/// </summary>
public sealed class ToolLoopTests
{
    private static readonly AIFunction Weather = AIFunctionFactory.Create(
        ([Description("A city")] string city) => new { city, temperature_c = 18, sky = "clear" },
        "get_weather", "Current weather of a city.");

    private static readonly AIFunction Broken = AIFunctionFactory.Create(
        string () => throw new InvalidOperationException("weather service is down"), "broken", "Always fails.");

    [Fact]
    public async Task A_tool_call_is_executed_and_the_model_continues_with_its_result()
    {
        var provider = new ScriptedChatClient();
        provider.Script = (messages, _, ct) => messages[^1].Role == ChatRole.Tool
            ? ScriptedChatClient.Text(ct, "It is 18 °C and clear in Paris.")
            : AskFor("call_1", "get_weather", new() { ["city"] = "Paris" }, text: "Let me check.", ct: ct);
        using var app = new PortageApp([Providers.Scripted(provider)], tools: [Weather]);

        var run = await app.RunAsync(Runs.Body("Weather in Paris?", provider: "scripted"));

        Assert.Equal(["run_started", "agent_text_delta", "agent_tool_call", "agent_tool_result", "agent_text_delta", "agent_finish"], run.Frames.Select(f => f.Event));
        var call = run.Frames[2].Json;
        Assert.Equal(("call_1", "get_weather", "Paris"), (call.GetProperty("call_id").GetString(), call.GetProperty("name").GetString(), call.GetProperty("arguments").GetProperty("city").GetString()));
        var result = run.Frames[3].Json;
        Assert.Equal("call_1", result.GetProperty("call_id").GetString());
        Assert.Equal("get_weather", result.GetProperty("name").GetString());
        Assert.Equal(18, result.GetProperty("result").GetProperty("temperature_c").GetInt32());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        Assert.Equal("end_turn", run.Terminal.Json.GetProperty("stop_reason").GetString());

        // The second provider call carries the assistant's call and the tool's result, after the user's message.
        Assert.Equal(2, provider.Calls.Count);
        var second = provider.Calls[1].Messages;
        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.Tool], second.Select(m => m.Role));
        Assert.Equal("call_1", second[2].Contents.OfType<FunctionCallContent>().Single().CallId);
        var fed = Assert.IsType<FunctionResultContent>(second[3].Contents.Single());
        Assert.Equal("call_1", fed.CallId);
        Assert.Equal(18, JsonSerializer.SerializeToElement(fed.Result, AIJsonUtilities.DefaultOptions).GetProperty("temperature_c").GetInt32());

        // Every call offered the registered tool.
        Assert.All(provider.Calls, c => Assert.Equal(["get_weather"], c.Options!.Tools!.Select(t => t.Name)));

        var parts = (await app.TurnsAsync(run.WindowId))[1].GetProperty("parts");
        Assert.Equal(["text", "tool_call", "tool_result", "text"], parts.EnumerateArray().Select(p => p.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task A_failing_tool_is_reported_as_an_error_with_an_empty_result_and_the_model_is_told()
    {
        var provider = new ScriptedChatClient();
        provider.Script = (messages, _, ct) => messages[^1].Role == ChatRole.Tool
            ? ScriptedChatClient.Text(ct, "Sorry, no weather today.")
            : AskFor("call_b", "broken", [], ct: ct);
        using var app = new PortageApp([Providers.Scripted(provider)], tools: [Broken]);

        var run = await app.RunAsync(Runs.Body("Weather?", provider: "scripted"));

        var result = run.Frames.Single(f => f.Event == "agent_tool_result").Json;
        Assert.Equal("weather service is down", result.GetProperty("error").GetString());
        Assert.Equal("{}", result.GetProperty("result").GetRawText());
        var fed = provider.Calls[1].Messages[^1].Contents.OfType<FunctionResultContent>().Single();
        Assert.Contains("weather service is down", JsonSerializer.Serialize(fed.Result, AIJsonUtilities.DefaultOptions), StringComparison.Ordinal);
        Assert.True(run.Finished);
    }

    [Fact]
    public async Task An_unknown_tool_becomes_an_error_result_naming_the_available_tools()
    {
        var provider = new ScriptedChatClient();
        provider.Script = (messages, _, ct) => messages[^1].Role == ChatRole.Tool
            ? ScriptedChatClient.Text(ct, "ok")
            : AskFor("call_x", "teleport", [], ct: ct);
        using var app = new PortageApp([Providers.Scripted(provider)], tools: [Weather]);

        var run = await app.RunAsync(Runs.Body("Go", provider: "scripted"));

        var result = run.Frames.Single(f => f.Event == "agent_tool_result").Json;
        var error = result.GetProperty("error").GetString()!;
        Assert.StartsWith("Unknown tool 'teleport'. Available tools: ", error, StringComparison.Ordinal);
        Assert.Contains("get_weather", error, StringComparison.Ordinal);
        Assert.True(run.Finished);
    }

    [Fact]
    public async Task A_model_that_keeps_asking_stops_at_the_cycle_limit_with_max_cycles()
    {
        var provider = new ScriptedChatClient();
        var asked = 0;
        provider.Script = (_, _, ct) => AskFor($"call_{Interlocked.Increment(ref asked)}", "get_weather", new() { ["city"] = "Paris" }, ct: ct);
        using var app = new PortageApp([Providers.Scripted(provider)], new Dictionary<string, string?> { ["Runs:MaxToolCycles"] = "3" }, tools: [Weather]);

        var run = await app.RunAsync(Runs.Body("Loop", provider: "scripted"));

        Assert.Equal(4, provider.Calls.Count);
        Assert.Equal("max_cycles", run.Terminal.Json.GetProperty("stop_reason").GetString());
        var calls = run.Frames.Where(f => f.Event == "agent_tool_call").Select(f => f.Json.GetProperty("call_id").GetString()).ToList();
        var results = run.Frames.Where(f => f.Event == "agent_tool_result").ToList();
        Assert.Equal(calls, results.Select(f => f.Json.GetProperty("call_id").GetString()));
        Assert.StartsWith("Not executed: the run reached its limit of 3 tool cycles", results[^1].Json.GetProperty("error").GetString(), StringComparison.Ordinal);

        // The stored transcript answers every call, so the next turn of this session is a valid conversation.
        var next = await app.RunAsync(Runs.Body("Again", provider: "scripted", session: run.SessionId));
        var replayed = provider.Calls[4].Messages;
        var callIds = replayed.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Select(c => c.CallId);
        var resultIds = replayed.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Select(c => c.CallId);
        Assert.Equal(callIds, resultIds);
        Assert.Equal(4, callIds.Count());
        Assert.True(next.Finished);
    }

    [Fact]
    public async Task A_run_over_its_time_limit_finishes_with_timeout_and_is_recorded_so()
    {
        var slow = AIFunctionFactory.Create(async (CancellationToken ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        }, "slow", "Never returns.");
        var provider = new ScriptedChatClient();
        provider.Script = (_, _, ct) => AskFor("call_s", "slow", [], text: "Working on it.", ct: ct);
        using var app = new PortageApp([Providers.Scripted(provider)], new Dictionary<string, string?> { ["Runs:TimeLimitSeconds"] = "0.5" }, tools: [slow]);

        var run = await app.RunAsync(Runs.Body("Take your time", provider: "scripted"));

        Assert.Equal("agent_finish", run.Terminal.Event);
        Assert.Equal("timeout", run.Terminal.Json.GetProperty("stop_reason").GetString());
        var result = run.Frames.Single(f => f.Event == "agent_tool_result").Json;
        Assert.Equal("call_s", result.GetProperty("call_id").GetString());
        Assert.StartsWith("Not executed: the run reached its time limit", result.GetProperty("error").GetString(), StringComparison.Ordinal);
        var turn = (await app.TurnsAsync(run.WindowId))[1];
        Assert.Equal(("timeout", "Working on it."), (turn.GetProperty("status").GetString(), turn.GetProperty("parts")[0].GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Tools_run_with_the_runs_sandbox_end_user_and_window()
    {
        Portage.Core.Tenancy.RunScope? seen = null;
        var probe = AIFunctionFactory.Create((AIFunctionArguments args) =>
        {
            seen = args.Context![typeof(Portage.Core.Tenancy.RunScope)] as Portage.Core.Tenancy.RunScope;
            return "ok";
        }, "probe", "Reports its context.");
        var provider = new ScriptedChatClient();
        provider.Script = (messages, _, ct) => messages[^1].Role == ChatRole.Tool ? ScriptedChatClient.Text(ct, "done") : AskFor("call_p", "probe", [], ct: ct);
        using var app = new PortageApp([Providers.Scripted(provider)], tools: [probe]);

        var run = await app.RunAsync(Runs.Body("Who am I?", endUser: "alice", provider: "scripted"));

        Assert.Equal(new Portage.Core.Tenancy.RunScope(app.SandboxId, "alice", run.WindowId, run.SessionId, run.RunId), seen);
        Assert.Equal("ok", run.Frames.Single(f => f.Event == "agent_tool_result").Json.GetProperty("result").GetProperty("value").GetString());
    }

    internal static async IAsyncEnumerable<ChatResponseUpdate> AskFor(
        string callId, string name, Dictionary<string, object?> arguments, string? text = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.Yield();
        ct.ThrowIfCancellationRequested();
        if (text is not null)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, text);
        }

        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            Contents = [new FunctionCallContent(callId, name, arguments)],
        };
        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            FinishReason = ChatFinishReason.ToolCalls,
            Contents = [new UsageContent(new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5 })],
        };
    }
}
