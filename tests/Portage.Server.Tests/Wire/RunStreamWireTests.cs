using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Server.Tests.Rules;
using Portage.Testing;

namespace Portage.Server.Tests.Wire;

/// <summary>The run stream's wire format: frames, ids, terminal frame, finish extras, flushing and keep-alives.</summary>
public sealed class RunStreamWireTests
{
    [Fact]
    public async Task Stream_is_run_started_then_deltas_then_exactly_one_agent_finish_with_ids_on_every_frame()
    {
        using var app = new PortageApp();
        using var response = await SseFrames.StartRunAsync(app.Client, app.RunPath(), Runs.Body("hello"));
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-cache", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);

        var frames = new List<SseFrame>();
        await foreach (var frame in SseFrames.ReadAsync(await response.Content.ReadAsStreamAsync()))
        {
            frames.Add(frame);
        }

        var runId = frames[0].Json.GetProperty("run_id").GetString();
        Assert.Equal("run_started", frames[0].Event);
        Assert.True(frames.Count(f => f.Event == "agent_text_delta") >= 3, "echo streams its answer in several deltas");
        Assert.Equal("agent_finish", frames[^1].Event);
        Assert.Single(frames, f => f.Event is "agent_finish" or "agent_error");
        Assert.Equal(Enumerable.Range(1, frames.Count).Select(i => $"{runId}:{i}"), frames.Select(f => f.Id));
        Assert.All(frames, f => Assert.DoesNotContain('\n', f.Data));
        Assert.All(frames, f => Assert.False(f.Json.TryGetProperty("event_name", out _)));
    }

    [Fact]
    public async Task Agent_finish_carries_session_usage_cost_breakdown_and_portage_extras()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("hello"));
        var finish = run.Terminal.Json;

        Assert.Equal("end_turn", finish.GetProperty("stop_reason").GetString());
        Assert.StartsWith("sess_", finish.GetProperty("session_id").GetString(), StringComparison.Ordinal);
        Assert.Equal(run.RunId, finish.GetProperty("run_id").GetString());
        Assert.Equal(run.WindowId, finish.GetProperty("context_window_id").GetString());
        Assert.Equal(("echo", "echo-1"), (finish.GetProperty("provider").GetString(), finish.GetProperty("model").GetString()));
        var usage = finish.GetProperty("usage");
        foreach (var field in new[] { "input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "cost_microcents" })
        {
            Assert.Equal(JsonValueKind.Number, usage.GetProperty(field).ValueKind);
        }

        Assert.True(usage.GetProperty("input_tokens").GetInt64() > 0);
        Assert.True(usage.GetProperty("output_tokens").GetInt64() > 0);
        var breakdown = usage.GetProperty("cost_breakdown_microcents");
        var tiers = new[] { "input", "output", "cache_read", "cache_creation", "thinking", "compute" }.Sum(t => breakdown.GetProperty(t).GetInt64());
        Assert.Equal(tiers, breakdown.GetProperty("total").GetInt64());
        Assert.Equal(breakdown.GetProperty("total").GetInt64(), usage.GetProperty("cost_microcents").GetInt64());
    }

    [Fact]
    public async Task First_delta_reaches_the_client_before_the_provider_has_finished()
    {
        var gate = new Gate();
        using var app = new PortageApp([Providers.Scripted(new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) })]);
        using var response = await SseFrames.StartRunAsync(app.Client, app.RunPath(), Runs.Body("hi", provider: "scripted"));
        var stream = await response.Content.ReadAsStreamAsync();
        var seen = new List<string>();
        await foreach (var frame in SseFrames.ReadAsync(stream))
        {
            seen.Add(frame.Event);
            if (frame.Event == "agent_text_delta")
            {
                // The provider is blocked on the gate: this delta was flushed while it was still running.
                gate.Open();
            }
        }

        Assert.Equal(["run_started", "agent_text_delta", "agent_text_delta", "agent_finish"], seen);
    }

    [Fact]
    public async Task Quiet_provider_gets_ping_comments_between_frames()
    {
        var frames = await FramesWithPingsAsync(Slow, "0.1");

        Assert.Contains(frames, f => f.Event == ":" && f.Data == "ping");
        Assert.Equal("agent_finish", frames[^1].Event);
        Assert.Equal("late", frames.Text());
    }

    [Fact]
    public async Task Frames_that_keep_coming_get_no_ping_and_a_quiet_spell_after_them_gets_one()
    {
        var frames = await FramesWithPingsAsync(SteadyThenQuiet, "1");

        // Sixteen deltas 100 ms apart span more than the interval without a ping; the 2.5 s pause after them gets one.
        var pings = frames.Select((f, i) => (f, i)).Where(p => p.f.Event == ":").Select(p => p.i).ToList();
        var lastSteady = frames.FindIndex(f => f.Event == "agent_text_delta" && f.Data.Contains("d15", StringComparison.Ordinal));
        Assert.NotEmpty(pings);
        Assert.All(pings, i => Assert.True(i > lastSteady, $"a ping came at frame {i}, among the steady deltas (the last at {lastSteady})"));
        Assert.Equal("agent_finish", frames[^1].Event);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> SteadyThenQuiet([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        for (var i = 0; i < 16; i++)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, $"d{i} ");
            await Task.Delay(100, ct);
        }

        await Task.Delay(2500, ct);
        yield return new ChatResponseUpdate(ChatRole.Assistant, "late") { FinishReason = ChatFinishReason.Stop };
    }

    // Every frame and ping comment of one run whose provider answers with `answer`, at Server:PingSeconds `pingSeconds`.
    private static async Task<List<SseFrame>> FramesWithPingsAsync(Func<CancellationToken, IAsyncEnumerable<ChatResponseUpdate>> answer, string pingSeconds)
    {
        var provider = new ScriptedChatClient { Script = (_, _, ct) => answer(ct) };
        using var app = new PortageApp([Providers.Scripted(provider)], new Dictionary<string, string?> { ["Server:PingSeconds"] = pingSeconds });
        using var response = await SseFrames.StartRunAsync(app.Client, app.RunPath(), Runs.Body("hi", provider: "scripted"));
        var frames = new List<SseFrame>();
        await foreach (var frame in SseFrames.ReadAsync(await response.Content.ReadAsStreamAsync()))
        {
            frames.Add(frame);
        }

        return frames;
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Slow([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await Task.Delay(600, ct);
        yield return new ChatResponseUpdate(ChatRole.Assistant, "late") { FinishReason = ChatFinishReason.Stop };
    }
}
