using Portage.Core.Runs;
using Portage.Core.Windows;

namespace Portage.Storage.Tests;

public abstract partial class StoreConformanceTests
{
    private static readonly TimeSpan s_lease = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Second_lease_fails_while_the_first_is_unexpired()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");

        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0 + s_lease, None));
        Assert.False(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(59), T0.AddSeconds(59) + s_lease, None));
    }

    [Fact]
    public async Task Lease_of_one_window_does_not_block_another()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");
        await CreateWindowAsync("ds_2");

        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0 + s_lease, None));
        Assert.True(await Windows.TryAcquireLeaseAsync("ds_2", "run_2", T0, T0 + s_lease, None));
    }

    [Fact]
    public async Task Expired_lease_can_be_taken_by_another_run()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");
        await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0 + s_lease, None);

        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(61), T0.AddSeconds(61) + s_lease, None));
        Assert.False(await Windows.TryAcquireLeaseAsync("ds_1", "run_3", T0.AddSeconds(62), T0.AddSeconds(62) + s_lease, None));
    }

    [Fact]
    public async Task Released_lease_can_be_taken_at_once()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");
        await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0 + s_lease, None);

        await Windows.ReleaseLeaseAsync("ds_1", "run_1", None);

        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(1), T0.AddSeconds(1) + s_lease, None));
    }

    [Fact]
    public async Task Renewed_lease_outlives_its_first_expiry()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");
        await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0 + s_lease, None);

        await Windows.RenewLeaseAsync("ds_1", "run_1", T0.AddSeconds(120), None);

        Assert.False(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(90), T0.AddSeconds(90) + s_lease, None));
        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(121), T0.AddSeconds(121) + s_lease, None));
    }

    [Fact]
    public async Task Release_by_a_run_that_does_not_hold_the_lease_does_nothing()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");
        await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0 + s_lease, None);

        await Windows.ReleaseLeaseAsync("ds_1", "run_2", None);

        Assert.False(await Windows.TryAcquireLeaseAsync("ds_1", "run_3", T0.AddSeconds(30), T0.AddSeconds(30) + s_lease, None));
    }

    [Fact]
    public async Task Renewal_by_a_run_that_does_not_hold_the_lease_does_nothing()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");
        await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0 + s_lease, None);

        await Windows.RenewLeaseAsync("ds_1", "run_2", T0.AddHours(1), None);

        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_3", T0.AddSeconds(61), T0.AddSeconds(61) + s_lease, None));
    }

    [Fact]
    public async Task Concurrent_acquires_let_exactly_one_run_hold_the_lease()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");

        var attempts = Enumerable.Range(1, 8)
            .Select(i => Task.Run(() => Windows.TryAcquireLeaseAsync("ds_1", $"run_{i}", T0, T0 + s_lease, None)))
            .ToList();
        var results = await Task.WhenAll(attempts);

        Assert.Single(results, acquired => acquired);
    }

    [Fact]
    public async Task A_start_that_takes_the_lease_holds_the_window_for_its_run()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session, T0);

        var seqs = await Runs.StartRunAsync(new RunStart(run, session, [UserTurn("run_1", "hello", T0)]) { TakeLease = new LeaseTake(T0, T0 + s_lease, 0) }, None);

        Assert.Equal([1L], seqs);
        Assert.False(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(59), T0.AddSeconds(59) + s_lease, None));
        await Windows.ReleaseLeaseAsync("ds_1", "run_1", None);
        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(59), T0.AddSeconds(59) + s_lease, None));
    }

    [Fact]
    public async Task A_start_that_takes_the_lease_writes_nothing_when_another_run_holds_it()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_other", T0, T0 + s_lease, None));
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session, T0.AddSeconds(1));

        var refused = await Assert.ThrowsAsync<WindowChangedException>(() => Runs.StartRunAsync(
            new RunStart(run, session, [UserTurn("run_1", "hello", T0)]) { TakeLease = new LeaseTake(T0.AddSeconds(1), T0.AddSeconds(61), 0) }, None));

        Assert.Equal("ds_1", refused.WindowId);
        await AssertNothingStartedAsync();
        // The holder's lease is untouched, and an expired one is free to the same take.
        Assert.False(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(59), T0.AddSeconds(59) + s_lease, None));
        await Runs.StartRunAsync(new RunStart(run, session, [UserTurn("run_1", "hello", T0)]) { TakeLease = new LeaseTake(T0.AddSeconds(61), T0.AddSeconds(121), 0) }, None);
        Assert.NotNull(await Runs.GetRunAsync(SandboxA, "run_1", None));
    }

    [Fact]
    public async Task A_start_that_takes_the_lease_writes_nothing_when_the_window_gained_a_turn_since_the_run_read_it()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        // Read at 0 turns; then a turn arrives from outside a run (another replica's ingest), and the lease is free.
        Assert.Equal(1, await Windows.AppendTurnAsync(SandboxA, "ds_1", UserTurn("run_ingest", "added elsewhere", T0), None));
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session, T0.AddSeconds(1));

        await Assert.ThrowsAsync<WindowChangedException>(() => Runs.StartRunAsync(
            new RunStart(run, session, [UserTurn("run_1", "hello", T0)]) { TakeLease = new LeaseTake(T0.AddSeconds(1), T0.AddSeconds(61), 0) }, None));

        await AssertNothingStartedAsync(turns: 1);
        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(2), T0.AddSeconds(62), None));
    }

    private async Task AssertNothingStartedAsync(int turns = 0)
    {
        Assert.Null(await Runs.GetRunAsync(SandboxA, "run_1", None));
        Assert.Null(await Sessions.GetSessionAsync(SandboxA, "sess_1", UserA, None));
        Assert.Equal(turns, (await Windows.GetWindowAsync(SandboxA, "ds_1", UserA, None))!.TurnCount);
        Assert.Equal(turns, (await Windows.ListTurnsAsync(SandboxA, "ds_1", 0, 100, None)).Count);
    }
}
