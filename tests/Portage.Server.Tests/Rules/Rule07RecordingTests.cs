using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Testing;

namespace Portage.Server.Tests.Rules;

/// <summary>
/// Rule 7: the user turn is written before the provider is called; the assistant turn (text and tools in order) when
/// the run ends, also on failure with the partial text; both are committed before agent_finish.
/// </summary>
public sealed class Rule07RecordingTests
{
    [Fact]
    public async Task Both_turns_are_readable_as_soon_as_agent_finish_arrives()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("remember this"));
        var turns = await app.TurnsAsync(run.WindowId, "u-123");

        Assert.Equal(2, turns.GetArrayLength());
        Assert.Equal(("user", "remember this", "succeeded"), (turns[0].GetProperty("role").GetString(), turns[0].GetProperty("text").GetString(), turns[0].GetProperty("status").GetString()));
        Assert.Equal(("assistant", run.Text, "succeeded"), (turns[1].GetProperty("role").GetString(), turns[1].GetProperty("text").GetString(), turns[1].GetProperty("status").GetString()));
        Assert.Equal(run.RunId, turns[1].GetProperty("run_id").GetString());
        Assert.Equal(("echo", "echo-1"), (turns[1].GetProperty("provider").GetString(), turns[1].GetProperty("model").GetString()));
    }

    [Fact]
    public async Task User_turn_is_written_before_the_provider_is_called()
    {
        var provider = new ScriptedChatClient();
        PortageApp? app = null;
        JsonElement? seenByProvider = null;
        provider.Script = (_, _, ct) => Observe(ct);
        using (app = new PortageApp([Providers.Scripted(provider)]))
        {
            var run = await app.RunAsync(Runs.Body("first words", provider: "scripted"));
            Assert.True(run.Finished);
            Assert.NotNull(seenByProvider);
            Assert.Equal("first words", seenByProvider.Value[0].GetProperty("text").GetString());
        }

        async IAsyncEnumerable<ChatResponseUpdate> Observe([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            var windows = await app!.Client.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{app.SandboxId}/sources", ct);
            var id = windows.GetProperty("sources")[0].GetProperty("data_source_id").GetString()!;
            seenByProvider = await app.TurnsAsync(id);
            await foreach (var update in ScriptedChatClient.Text(ct, "ok"))
            {
                yield return update;
            }
        }
    }

    [Fact]
    public async Task Provider_failure_mid_stream_ends_with_agent_error_and_records_the_partial_text_as_failed()
    {
        var provider = new ScriptedChatClient { Script = (_, _, ct) => ScriptedChatClient.FailAfter("partial ", ct) };
        using var app = new PortageApp([Providers.Scripted(provider)]);
        var run = await app.RunAsync(Runs.Body("go", provider: "scripted"));

        Assert.Equal("agent_error", run.Terminal.Event);
        Assert.Equal("upstream exploded", run.Terminal.Json.GetProperty("message").GetString());
        Assert.Equal("provider_error", run.Terminal.Json.GetProperty("type").GetString());
        Assert.Single(run.Frames, f => f.Event is "agent_finish" or "agent_error");
        var turns = await app.TurnsAsync(run.WindowId);
        Assert.Equal(("partial ", "failed"), (turns[1].GetProperty("text").GetString(), turns[1].GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Assistant_turn_keeps_text_tool_call_tool_result_text_in_order()
    {
        var provider = new ScriptedChatClient { Script = (_, _, ct) => ScriptedChatClient.InformationalToolRound(ct) };
        using var app = new PortageApp([Providers.Scripted(provider)]);
        var run = await app.RunAsync(Runs.Body("go", provider: "scripted"));

        Assert.Equal(["run_started", "agent_text_delta", "agent_tool_call", "agent_tool_result", "agent_text_delta", "agent_finish"], run.Frames.Select(f => f.Event));
        var call = run.Frames[2].Json;
        var result = run.Frames[3].Json;
        Assert.Equal(call.GetProperty("call_id").GetString(), result.GetProperty("call_id").GetString());
        Assert.Equal("lookup", result.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Object, result.GetProperty("result").ValueKind);
        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);

        var parts = (await app.TurnsAsync(run.WindowId))[1].GetProperty("parts");
        Assert.Equal(["text", "tool_call", "tool_result", "text"], parts.EnumerateArray().Select(p => p.GetProperty("type").GetString()));
    }
}
