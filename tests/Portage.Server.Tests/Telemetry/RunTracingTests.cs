using System.Diagnostics;
using Microsoft.Extensions.AI;
using Portage.Server.Tests.Tools;
using Portage.Testing;

namespace Portage.Server.Tests.Telemetry;

/// <summary>Issue 6, scope 4: one trace per run, with the GenAI semantic conventions.</summary>
public sealed class RunTracingTests
{
    private static readonly AIFunction Weather = AIFunctionFactory.Create(
        (string city) => new { city, temperature_c = 18 }, "get_weather", "Current weather of a city.");

    [Fact]
    public async Task An_echo_run_is_one_trace_run_with_resolution_rendering_provider_call_and_commit()
    {
        using var spans = new SpanCollector();
        using var app = new PortageApp();

        var run = await app.RunAsync(Runs.Body("Hello telemetry"));

        var root = spans.Run(run.RunId);
        Assert.Equal(run.SessionId, root.GetTagItem("portage.session.id"));
        Assert.Equal(run.WindowId, root.GetTagItem("portage.window.id"));
        Assert.Equal(app.SandboxId, root.GetTagItem("portage.sandbox.id"));
        Assert.Equal("u-123", root.GetTagItem("portage.end_user.id"));
        Assert.Equal("echo", root.GetTagItem("gen_ai.system"));
        Assert.Equal("echo-1", root.GetTagItem("gen_ai.request.model"));
        Assert.True((long)root.GetTagItem("gen_ai.usage.input_tokens")! > 0);
        Assert.True((long)root.GetTagItem("gen_ai.usage.output_tokens")! > 0);
        Assert.Equal(["end_turn"], (string[])root.GetTagItem("gen_ai.response.finish_reasons")!);
        Assert.NotEqual(ActivityStatusCode.Error, root.Status);

        var children = spans.TraceOf(run.RunId).Where(a => a.ParentSpanId == root.SpanId).OrderBy(a => a.StartTimeUtc).ToList();
        Assert.Equal(["resolve_window", "build_messages", "chat echo-1", "commit_turn"], children.Select(a => a.OperationName));

        var chat = children[2];
        Assert.Equal(ActivityKind.Client, chat.Kind);
        Assert.Equal("chat", chat.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("echo", chat.GetTagItem("gen_ai.system"));
        Assert.Equal("echo-1", chat.GetTagItem("gen_ai.request.model"));
        Assert.Single(chat.Events, e => e.Name == "gen_ai.first_token");

        // No message text in any span of the run.
        Assert.DoesNotContain(spans.TraceOf(run.RunId).SelectMany(a => a.TagObjects), t => t.Value is string s && s.Contains("Hello telemetry", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_tool_call_gets_an_execute_tool_span_between_two_provider_calls()
    {
        using var spans = new SpanCollector();
        var provider = new ScriptedChatClient();
        provider.Script = (messages, _, ct) => messages[^1].Role == ChatRole.Tool
            ? ScriptedChatClient.Text(ct, "18 °C.")
            : ToolLoopTests.AskFor("call_t1", "get_weather", new() { ["city"] = "Paris" }, ct: ct);
        using var app = new PortageApp([Providers.Scripted(provider, "traced")], tools: [Weather]);

        var run = await app.RunAsync(Runs.Body("Weather?", provider: "traced"));

        Assert.True(run.Finished);
        var root = spans.Run(run.RunId);
        var children = spans.TraceOf(run.RunId).Where(a => a.ParentSpanId == root.SpanId).OrderBy(a => a.StartTimeUtc).ToList();
        Assert.Equal(["resolve_window", "build_messages", "chat traced-model", "execute_tool get_weather", "chat traced-model", "commit_turn"],
            children.Select(a => a.OperationName));
        var tool = children[3];
        Assert.Equal("execute_tool", tool.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("get_weather", tool.GetTagItem("gen_ai.tool.name"));
        Assert.Equal("call_t1", tool.GetTagItem("gen_ai.tool.call.id"));
        Assert.NotEqual(ActivityStatusCode.Error, tool.Status);
    }

    [Fact]
    public async Task A_failed_provider_call_marks_its_span_and_the_run_span_as_errors()
    {
        using var spans = new SpanCollector();
        var provider = new ScriptedChatClient { Script = (_, _, ct) => Explode(ct) };
        using var app = new PortageApp([Providers.Scripted(provider, "failing")]);

        var run = await app.RunAsync(Runs.Body("Hi", provider: "failing"));

        Assert.Equal("agent_error", run.Terminal.Event);
        var root = spans.Run(run.RunId);
        Assert.Equal(ActivityStatusCode.Error, root.Status);
        var chat = spans.TraceOf(run.RunId).Single(a => a.OperationName == "chat failing-model");
        Assert.Equal(ActivityStatusCode.Error, chat.Status);
        // What failed, never the message: a provider's message can quote the prompt (it reaches the client in agent_error).
        Assert.Equal("System.InvalidOperationException", chat.StatusDescription);
        Assert.DoesNotContain(spans.TraceOf(run.RunId), a => a.StatusDescription?.Contains("model exploded", StringComparison.Ordinal) == true);
    }

    // Fails on the first MoveNext, as a provider's HTTP call does (not when the stream is created).
    private static async IAsyncEnumerable<ChatResponseUpdate> Explode([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await Task.Yield();
        ct.ThrowIfCancellationRequested();
        throw new InvalidOperationException("model exploded");
#pragma warning disable CS0162 // an iterator needs a yield
        yield break;
#pragma warning restore CS0162
    }
}
