using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Compaction;

/// <summary>
/// Issue 13, item 2: a conversation that passes 80 % of its model's message budget has its oldest part summarised
/// inside the run. The run announces it with a <c>context_compacted</c> frame before its first delta, every turn
/// still answers within the budget, and the window keeps every original turn beside the compaction turns.
/// </summary>
public sealed class AutomaticCompactionTests
{
    // echo-1: a context of 32,000 tokens, 4,096 kept for the answer (the Models table in appsettings.json).
    private const int EchoInputBudget = 32_000 - 4_096;

    [Fact]
    public async Task Long_turns_are_compacted_inside_the_run_announced_before_the_first_delta_and_no_turn_is_lost()
    {
        using var app = new PortageApp();
        var compactions = new List<JsonElement>();
        string? windowId = null;
        const int Turns = 12;
        for (var i = 0; i < Turns; i++)
        {
            var run = await app.RunAsync(Runs.Body($"turn {i}: " + new string((char)('a' + i), 20_000), endUser: "long-talker"));

            Assert.True(run.Finished, $"turn {i}: {run.Terminal.Json}");
            Assert.InRange(run.Terminal.Json.GetProperty("usage").GetProperty("input_tokens").GetInt64(), 1, EchoInputBudget);
            windowId ??= run.WindowId;
            var events = run.Frames.Select(f => f.Event).ToList();
            var compacted = events.IndexOf("context_compacted");
            if (compacted >= 0)
            {
                Assert.Equal("run_started", events[0]);
                Assert.True(compacted < events.IndexOf("agent_text_delta"), $"turn {i}: {string.Join(", ", events)}");
                compactions.Add(run.Frames[compacted].Json);
            }
        }

        Assert.NotEmpty(compactions);
        var first = compactions[0];
        Assert.Equal(1, first.GetProperty("replaced_from_seq").GetInt64());
        Assert.True(first.GetProperty("tokens_after").GetInt32() < first.GetProperty("tokens_before").GetInt32());
        Assert.True(first.GetProperty("tokens_before").GetInt32() > EchoInputBudget * 8 / 10);

        // Every original turn stays, in order, beside the compaction turns; each compaction turn names what it replaced.
        var turns = (await app.TurnsAsync(windowId!, "long-talker")).EnumerateArray().ToList();
        Assert.Equal(Turns * 2, turns.Count(t => t.GetProperty("role").GetString() != "compaction"));
        var summaries = turns.Where(t => t.GetProperty("role").GetString() == "compaction").ToList();
        Assert.Equal(compactions.Count, summaries.Count);
        Assert.Equal(compactions.Select(c => c.GetProperty("summary_seq").GetInt64()), summaries.Select(t => t.GetProperty("seq").GetInt64()));
        Assert.All(summaries, s => Assert.Equal(1, s.GetProperty("parts")[0].GetProperty("compaction").GetProperty("replaced_from_seq").GetInt64()));
    }

    [Fact]
    public async Task A_summary_that_would_not_shrink_the_conversation_is_not_written()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Compaction:Threshold"] = "0.1", ["Compaction:KeepExchanges"] = "1" });
        string? windowId = null;
        foreach (var message in new[] { "message 1", "message 2", "message 3", "a long one: " + new string('q', 16_000) })
        {
            var run = await app.RunAsync(Runs.Body(message, endUser: "terse"));

            Assert.True(run.Finished);
            windowId ??= run.WindowId;
            Assert.All(run.Frames.Where(f => f.Event == "context_compacted"), f => Assert.True(
                f.Json.GetProperty("tokens_after").GetInt32() < f.Json.GetProperty("tokens_before").GetInt32(), f.Json.ToString()));
        }

        var turns = (await app.TurnsAsync(windowId!, "terse")).EnumerateArray();
        Assert.All(turns.Where(t => t.GetProperty("role").GetString() == "compaction"), t => Assert.True(
            t.GetProperty("parts")[0].GetProperty("compaction").GetProperty("tokens_after").GetInt32()
            < t.GetProperty("parts")[0].GetProperty("compaction").GetProperty("tokens_before").GetInt32()));
    }

    [Fact]
    public async Task With_compaction_off_the_same_conversation_only_drops_its_oldest_turns()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Compaction:Enabled"] = "false" });
        for (var i = 0; i < 8; i++)
        {
            var run = await app.RunAsync(Runs.Body($"turn {i}: " + new string('z', 20_000), endUser: "long-talker"));

            Assert.True(run.Finished);
            Assert.DoesNotContain(run.Frames, f => f.Event == "context_compacted");
        }
    }
}
