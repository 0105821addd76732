using Portage.Core.Limits;

namespace Portage.Storage.Tests;

// Issue 16, spending limits: a reservation is one atomic conditional update per budget, so no number of concurrent
// runs (or replicas) holds more than a budget; settlement replaces the hold by the real cost; a dead run's hold expires.
public abstract partial class StoreConformanceTests
{
    private static readonly BudgetLine s_sandboxLine = new("sandbox", "", "m:2025-03", "month", 1_000);
    private static readonly BudgetLine s_userLine = new("end_user", UserA, "d:2025-03-14", "day", 1_000);

    private static SpendReservation Reservation(string runId, long amount, bool enforce = true, DateTimeOffset? expiresAt = null, params BudgetLine[] lines) =>
        new(runId, SandboxA, UserA, amount, expiresAt ?? T0.AddMinutes(15), lines.Length == 0 ? [s_userLine] : lines, enforce);

    [Fact]
    public async Task Sixty_four_concurrent_reservations_on_one_end_user_hold_no_more_than_the_budget()
    {
        await SeedTenantsAsync();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            Task.Run(() => Spend.ReserveAsync(Reservation($"run_{i}", 100, lines: [s_sandboxLine, s_userLine]), T0, None))));

        Assert.Equal(10, outcomes.Count(o => o.Made));
        Assert.Equal(new LedgerRow(UserA, s_userLine.Period, 0, 1_000), await Spend.ReadLedgerAsync(SandboxA, UserA, s_userLine.Period, None));
        Assert.Equal(new LedgerRow("", s_sandboxLine.Period, 0, 1_000), await Spend.ReadLedgerAsync(SandboxA, "", s_sandboxLine.Period, None));
    }

    [Fact]
    public async Task An_enforced_reservation_over_the_budget_holds_nothing_and_says_what_was_there()
    {
        await SeedTenantsAsync();
        Assert.True((await Spend.ReserveAsync(Reservation("run_1", 700), T0, None)).Made);

        var refused = await Spend.ReserveAsync(Reservation("run_2", 301, lines: [s_sandboxLine, s_userLine]), T0, None);

        Assert.False(refused.Made);
        Assert.Equal([new LedgerRow("", s_sandboxLine.Period, 0, 0), new LedgerRow(UserA, s_userLine.Period, 0, 700)], refused.Before);
        Assert.Equal(0, (await Spend.ReadLedgerAsync(SandboxA, "", s_sandboxLine.Period, None)).Reserved);
        Assert.True((await Spend.ReserveAsync(Reservation("run_3", 300), T0, None)).Made);
    }

    [Fact]
    public async Task Settling_replaces_the_hold_by_the_real_cost_once()
    {
        await SeedTenantsAsync();
        await Spend.ReserveAsync(Reservation("run_1", 400), T0, None);

        var after = await Spend.SettleAsync("run_1", 123, None);

        Assert.Equal([new LedgerRow(UserA, s_userLine.Period, 123, 0)], after);
        Assert.Empty(await Spend.SettleAsync("run_1", 123, None));
        Assert.Empty(await Spend.SettleAsync("run_never_reserved", 5, None));
        Assert.Equal(new LedgerRow(UserA, s_userLine.Period, 123, 0), await Spend.ReadLedgerAsync(SandboxA, UserA, s_userLine.Period, None));
    }

    [Fact]
    public async Task A_shadow_reservation_is_held_even_over_the_budget()
    {
        await SeedTenantsAsync();

        var outcome = await Spend.ReserveAsync(Reservation("run_1", 5_000, enforce: false), T0, None);

        Assert.True(outcome.Made);
        Assert.Equal(5_000, (await Spend.ReadLedgerAsync(SandboxA, UserA, s_userLine.Period, None)).Reserved);
    }

    [Fact]
    public async Task A_reservation_survives_a_restart_until_it_expires_and_its_late_settlement_counts_the_cost_only()
    {
        await SeedTenantsAsync();
        await Spend.ReserveAsync(Reservation("run_dead", 900, expiresAt: T0.AddMinutes(10)), T0, None);

        var reopened = Reopen().Spend;
        Assert.False((await reopened.ReserveAsync(Reservation("run_2", 200), T0.AddMinutes(5), None)).Made);
        Assert.True((await reopened.ReserveAsync(Reservation("run_3", 200), T0.AddMinutes(11), None)).Made);
        Assert.Equal(200, (await reopened.ReadLedgerAsync(SandboxA, UserA, s_userLine.Period, None)).Reserved);

        Assert.Equal([new LedgerRow(UserA, s_userLine.Period, 50, 200)], await reopened.SettleAsync("run_dead", 50, None));
    }

    [Fact]
    public async Task Denials_are_listed_newest_first_and_by_end_user_and_end_user_limits_are_kept()
    {
        await SeedTenantsAsync();
        await Spend.RecordDenialAsync(new BudgetDenialRecord("bd_1", SandboxA, UserA, "run_1", T0, "end_user", "enforce", true, 10, 1, 2, 5, "day"), None);
        await Spend.RecordDenialAsync(new BudgetDenialRecord("bd_2", SandboxA, UserB, "run_2", T0.AddSeconds(1), "sandbox", "shadow", false, 10, 1, 2, 5, "month"), None);

        Assert.Equal(["bd_2", "bd_1"], (await Spend.ListDenialsAsync(SandboxA, null, null, 10, None)).Select(d => d.Id));
        Assert.Equal(["bd_1"], (await Spend.ListDenialsAsync(SandboxA, null, new Portage.Core.Storage.ListCursor(T0.AddSeconds(1), "bd_2"), 10, None)).Select(d => d.Id));
        var mine = Assert.Single(await Spend.ListDenialsAsync(SandboxA, UserA, null, 10, None));
        Assert.Equal(new BudgetDenialRecord("bd_1", SandboxA, UserA, "run_1", T0, "end_user", "enforce", true, 10, 1, 2, 5, "day"), mine);
        Assert.Empty(await Spend.ListDenialsAsync(SandboxB, null, null, 10, None));

        Assert.False(await Spend.HasEndUserLimitsAsync(SandboxA, None));
        await Spend.SetEndUserLimitsAsync(SandboxA, UserA, """{"budget_microcents":5}""", T0, None);
        await Spend.SetEndUserLimitsAsync(SandboxA, UserA, """{"budget_microcents":6}""", T0, None);
        AssertJsonEqual("""{"budget_microcents":6}""", await Spend.GetEndUserLimitsAsync(SandboxA, UserA, None));
        Assert.True(await Spend.HasEndUserLimitsAsync(SandboxA, None));
        Assert.False(await Spend.HasEndUserLimitsAsync(SandboxB, None));
        await Spend.SetEndUserLimitsAsync(SandboxA, UserA, null, T0, None);
        Assert.Null(await Spend.GetEndUserLimitsAsync(SandboxA, UserA, None));
        Assert.False(await Spend.HasEndUserLimitsAsync(SandboxA, None));
    }
}
