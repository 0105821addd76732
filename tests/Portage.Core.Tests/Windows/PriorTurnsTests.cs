using Portage.Core.Recording;
using Portage.Core.Tests.Fakes;
using Portage.Core.Windows;

namespace Portage.Core.Tests.Windows;

public sealed class PriorTurnsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 5, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_recent_summary_in_a_long_window_is_found_reading_a_few_turns_not_a_full_page()
    {
        var store = Window(1_000, compactionAt: 990, replacedTo: 980);

        var turns = await PriorTurns.ReadAsync(store, "sb", "w", 0, 100_000, CancellationToken.None);

        Assert.Equal(TurnRole.Compaction, turns[0].Role);
        Assert.Equal(Enumerable.Range(981, 20).Where(s => s != 990).Select(s => (long)s), turns.Skip(1).Select(t => t.Seq));
        Assert.True(store.TurnsRead <= 24, $"{store.TurnsRead} turns read");
    }

    [Fact]
    public async Task A_small_budget_stops_the_read_at_the_first_exchange_past_it()
    {
        var store = Window(1_000);

        var turns = await PriorTurns.ReadAsync(store, "sb", "w", 0, 50, CancellationToken.None);

        Assert.Equal(TurnRole.User, turns[0].Role);
        Assert.True(turns.Sum(t => t.TokenEstimate) > 50);
        Assert.Equal(1_000, turns[^1].Seq);
        Assert.True(store.TurnsRead <= 16, $"{store.TurnsRead} turns read");
    }

    [Fact]
    public async Task Without_a_summary_or_a_budget_cut_every_turn_after_the_floor_is_read_page_by_page()
    {
        var store = Window(1_000);

        var turns = await PriorTurns.ReadAsync(store, "sb", "w", 100, int.MaxValue, CancellationToken.None);

        Assert.Equal(Enumerable.Range(101, 900).Select(s => (long)s), turns.Select(t => t.Seq));
    }

    // User and assistant turns of 10 tokens each, seq 1..count; a compaction turn at compactionAt replacing 1..replacedTo.
    private static FakeWindowStore Window(int count, long? compactionAt = null, long replacedTo = 0)
    {
        var store = new FakeWindowStore();
        for (long seq = 1; seq <= count; seq++)
        {
            var parts = seq == compactionAt
                ? new[] { new TurnPart(TurnPartType.Compaction, Text: "summary", Compacts: new CompactedRange(1, replacedTo, 9_800, 100)) }
                : [TurnPart.OfText($"turn {seq}")];
            var role = seq == compactionAt ? TurnRole.Compaction : seq % 2 == 1 ? TurnRole.User : TurnRole.Assistant;
            store.Turns.Add(new TurnRecord("w", seq, role, "x", null, null, null, RunStatus.Succeeded, T0, 10, parts));
        }

        return store;
    }
}
