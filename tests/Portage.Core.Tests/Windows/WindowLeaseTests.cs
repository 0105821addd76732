using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portage.Core.Errors;
using Portage.Core.Sources;
using Portage.Core.Telemetry;
using Portage.Core.Tests.Fakes;
using Portage.Core.Tests.Providers;
using Portage.Core.Windows;

namespace Portage.Core.Tests.Windows;

public sealed class WindowLeaseTests
{
    private static readonly WindowRecord Window = new("ds_w", "sb_1", "alice", "w", SourceStatus.Active, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 0);
    private readonly FakeWindowStore _store = new();

    [Fact]
    public async Task A_second_run_of_a_named_window_is_refused_at_once()
    {
        var leases = Leases(TimeProvider.System, lockWaitSeconds: 30);
        await using var first = await TakeAsync(leases, "run_1", named: false);

        var started = TimeProvider.System.GetTimestamp();
        var refused = await Assert.ThrowsAsync<PortageException>(() => TakeAsync(leases, "run_2", named: true));

        Assert.Equal((ErrorKind.Conflict, "run_in_progress"), (refused.Kind, refused.ErrorType));
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(5), "a named window is not waited for");
        Assert.Equal("run_1", _store.LeaseHolder(Window.Id));
    }

    [Fact]
    public async Task Runs_that_wait_for_a_window_get_it_in_arrival_order()
    {
        var leases = Leases(TimeProvider.System, lockWaitSeconds: 30);
        var first = await TakeAsync(leases, "run_1", named: false);
        var order = new List<string>();
        var second = Take(leases, "run_2", order);
        await Task.Delay(50);
        var third = Take(leases, "run_3", order);
        await Task.Delay(50);

        await first.DisposeAsync();
        await (await second).DisposeAsync();
        await (await third).DisposeAsync();

        Assert.Equal(["run_2", "run_3"], order);
        Assert.Null(_store.LeaseHolder(Window.Id));
    }

    [Fact]
    public async Task A_lease_held_by_another_replica_is_waited_for_then_refused_and_the_line_left()
    {
        var leases = Leases(TimeProvider.System, lockWaitSeconds: 0.2);
        _store.HoldLease(Window.Id, "run_elsewhere", DateTimeOffset.UtcNow.AddMinutes(5));

        var refused = await Assert.ThrowsAsync<PortageException>(() => TakeAsync(leases, "run_1", named: false));
        // The other replica's run ends: its lease is gone from the store.
        await _store.ReleaseLeaseAsync(Window.Id, "run_elsewhere", CancellationToken.None);
        await using var next = await TakeAsync(leases, "run_2", named: false);

        Assert.Equal("run_in_progress", refused.ErrorType);
        Assert.Equal("run_2", _store.LeaseHolder(Window.Id));
    }

    [Fact]
    public async Task Keeping_alive_renews_every_third_of_the_lease_and_a_failed_renewal_does_not_stop_the_renewals()
    {
        var time = new WatchedTime();
        var leases = Leases(time, leaseSeconds: 30);
        await using var lease = await TakeAsync(leases, "run_1", named: false);

        lease.KeepAlive(CancellationToken.None);
        await time.TimerStarted();
        _store.FailRenewals = true;
        time.Advance(TimeSpan.FromSeconds(10));
        await time.TimerStarted();
        _store.FailRenewals = false;
        time.Advance(TimeSpan.FromSeconds(10));
        await time.TimerStarted();
        await lease.StopRenewingAsync();

        Assert.Equal(2, _store.Renewals);
        Assert.Equal("run_1", _store.LeaseHolder(Window.Id));
    }

    [Fact]
    public async Task Disposing_gives_the_store_lease_back_once_unless_the_commit_took_it()
    {
        var leases = Leases(TimeProvider.System);
        var lease = await TakeAsync(leases, "run_1", named: false);
        await lease.DisposeAsync();
        await lease.DisposeAsync();
        var committed = await TakeAsync(leases, "run_2", named: false);
        committed.EndedWithCommit();
        await committed.DisposeAsync();

        Assert.Equal(1, _store.Releases);
        Assert.Equal("run_2", _store.LeaseHolder(Window.Id));
    }

    [Fact]
    public async Task A_run_holds_the_line_without_a_store_lease_until_its_start_or_its_own_write_takes_it()
    {
        var leases = Leases(TimeProvider.System, lockWaitSeconds: 0.1);
        await using var lease = await leases.AcquireAsync(Window, "run_1", named: false, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<PortageException>(() => TakeAsync(leases, "run_2", named: false));

        Assert.Null(_store.LeaseHolder(Window.Id));
        Assert.Equal("run_in_progress", refused.ErrorType);
    }

    [Fact]
    public async Task A_start_takes_the_lease_from_when_it_is_written_for_the_window_as_the_run_read_it()
    {
        var time = new WatchedTime();
        var leases = Leases(time, leaseSeconds: 30);
        await using var lease = await leases.AcquireAsync(Window, "run_1", named: false, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(5));

        var take = leases.TakeWithStart(turnCount: 7);

        Assert.Equal(new LeaseTake(time.GetUtcNow(), time.GetUtcNow().AddSeconds(30), 7), take);
        Assert.Null(_store.LeaseHolder(Window.Id));
    }

    // The store's lease taken on its own, as a forced compaction does and a run whose start found the window changed.
    private static async Task<WindowLease> TakeAsync(WindowLeases leases, string runId, bool named)
    {
        var lease = await leases.AcquireAsync(Window, runId, named, CancellationToken.None);
        try
        {
            await lease.TakeFromStoreAsync(CancellationToken.None);
            return lease;
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }
    }

    private static async Task<WindowLease> Take(WindowLeases leases, string runId, List<string> order)
    {
        var lease = await TakeAsync(leases, runId, named: false);
        lock (order)
        {
            order.Add(runId);
        }

        return lease;
    }

    private WindowLeases Leases(TimeProvider time, double lockWaitSeconds = 10, double leaseSeconds = 60) =>
        new(_store, new WindowQueue(), time, Options.Create(new WindowLeaseOptions { LockWaitSeconds = lockWaitSeconds, LeaseSeconds = leaseSeconds }),
            new ContentLogging(Options.Create(new TelemetryOptions())), NullLogger<WindowLeases>.Instance);
}
