using Portage.Core.Recording;
using Portage.Core.Sources;
using Portage.Core.Windows;

namespace Portage.Storage.Tests;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task Only_windows_inactive_since_before_the_threshold_are_archived()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_old", lastActiveAt: T0);
        await CreateWindowAsync("ds_fresh", lastActiveAt: T0.AddHours(2));
        var now = T0.AddHours(3);

        var archived = await Windows.ArchiveInactiveWindowsAsync(SandboxA, T0.AddHours(1), now, None);

        Assert.Equal(1, archived);
        var old = await Windows.GetWindowAsync(SandboxA, "ds_old", null, None);
        Assert.Equal(SourceStatus.Archived, old?.Status);
        Assert.Equal(ArchiveReason.Inactivity, old?.ArchivedReason);
        Assert.False(old?.IsClosedExplicitly);
        Assert.Equal(SourceStatus.Active, (await Windows.GetWindowAsync(SandboxA, "ds_fresh", null, None))?.Status);
    }

    [Fact]
    public async Task Archiving_leaves_already_closed_windows_as_they_are()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_explicit", lastActiveAt: T0, status: SourceStatus.Archived, archivedReason: ArchiveReason.Explicit);
        await CreateWindowAsync("ds_closed", lastActiveAt: T0, status: SourceStatus.Disconnected);

        var archived = await Windows.ArchiveInactiveWindowsAsync(null, T0.AddHours(1), T0.AddHours(3), None);

        Assert.Equal(0, archived);
        Assert.Equal(ArchiveReason.Explicit, (await Windows.GetWindowAsync(SandboxA, "ds_explicit", null, None))?.ArchivedReason);
        Assert.Equal(SourceStatus.Disconnected, (await Windows.GetWindowAsync(SandboxA, "ds_closed", null, None))?.Status);
    }

    [Fact]
    public async Task Window_with_a_live_lease_is_not_archived()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_busy", lastActiveAt: T0);
        await CreateWindowAsync("ds_stale_lease", lastActiveAt: T0);
        var now = T0.AddHours(3);
        await Windows.TryAcquireLeaseAsync("ds_busy", "run_1", now.AddSeconds(-10), now.AddSeconds(50), None);
        await Windows.TryAcquireLeaseAsync("ds_stale_lease", "run_2", T0, T0.AddSeconds(60), None);

        var archived = await Windows.ArchiveInactiveWindowsAsync(SandboxA, T0.AddHours(1), now, None);

        Assert.Equal(1, archived);
        Assert.Equal(SourceStatus.Active, (await Windows.GetWindowAsync(SandboxA, "ds_busy", null, None))?.Status);
        Assert.Equal(SourceStatus.Archived, (await Windows.GetWindowAsync(SandboxA, "ds_stale_lease", null, None))?.Status);
    }

    [Fact]
    public async Task Archiving_is_scoped_to_one_sandbox_or_covers_all()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_a", sandboxId: SandboxA, lastActiveAt: T0);
        await CreateWindowAsync("ds_b", sandboxId: SandboxB, lastActiveAt: T0);
        await CreateWindowAsync("ds_b2", sandboxId: SandboxB, endUserId: UserB, lastActiveAt: T0);

        Assert.Equal(1, await Windows.ArchiveInactiveWindowsAsync(SandboxA, T0.AddHours(1), T0.AddHours(3), None));
        Assert.Equal(SourceStatus.Active, (await Windows.GetWindowAsync(SandboxB, "ds_b", null, None))?.Status);

        Assert.Equal(2, await Windows.ArchiveInactiveWindowsAsync(null, T0.AddHours(1), T0.AddHours(3), None));
        Assert.Equal(SourceStatus.Archived, (await Windows.GetWindowAsync(SandboxB, "ds_b", null, None))?.Status);
        Assert.Equal(SourceStatus.Archived, (await Windows.GetWindowAsync(SandboxB, "ds_b2", null, None))?.Status);
    }

    [Fact]
    public async Task Running_runs_become_interrupted_and_finished_ones_stay()
    {
        await SeedTenantsAsync();
        var w1 = await CreateWindowAsync("ds_1");
        var w2 = await CreateWindowAsync("ds_2", endUserId: UserB);
        var done = await CreateWindowAsync("ds_done");
        var s1 = Session("sess_1", w1);
        var s2 = Session("sess_2", w2);
        var s3 = Session("sess_3", done);
        await StartAsync(Run("run_1", w1, s1, T0.AddMinutes(1)), s1, newSession: true, "one");
        await StartAsync(Run("run_2", w2, s2, T0.AddMinutes(1)), s2, newSession: true, "two");
        var finished = Run("run_3", done, s3, T0.AddMinutes(1));
        await StartAsync(finished, s3, newSession: true, "three");
        await Runs.EndRunAsync(End(finished, T0.AddMinutes(2)), None);

        var count = await Runs.InterruptOrphanedRunsAsync(T0.AddHours(1), allRunning: true, None);

        Assert.Equal(2, count);
        foreach (var id in new[] { "run_1", "run_2" })
        {
            var run = await Runs.GetRunAsync(SandboxA, id, None);
            Assert.Equal(RunStatus.Interrupted, run?.Status);
            Assert.Equal(T0.AddHours(1), run?.FinishedAt);
        }

        var untouched = await Runs.GetRunAsync(SandboxA, "run_3", None);
        Assert.Equal(RunStatus.Succeeded, untouched?.Status);
        Assert.Equal(T0.AddMinutes(2), untouched?.FinishedAt);
        Assert.Equal(0, await Runs.InterruptOrphanedRunsAsync(T0.AddHours(2), allRunning: true, None));
    }

    [Fact]
    public async Task Interrupted_run_leaves_an_empty_interrupted_assistant_turn()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        await StartAsync(Run("run_1", window, session, T0.AddMinutes(1)), session, newSession: true, "hello?");

        await Runs.InterruptOrphanedRunsAsync(T0.AddHours(1), allRunning: true, None);

        var turns = await Windows.ListTurnsAsync(SandboxA, "ds_1", 0, 100, None);
        Assert.Equal(2, turns.Count);
        var turn = turns[1];
        Assert.Equal(2, turn.Seq);
        Assert.Equal(TurnRole.Assistant, turn.Role);
        Assert.Equal(RunStatus.Interrupted, turn.Status);
        Assert.Equal("run_1", turn.RunId);
        Assert.Empty(turn.Parts);
    }

    [Fact]
    public async Task Interrupted_runs_drop_their_leases()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0.AddDays(1), None));
        await StartAsync(Run("run_1", window, session), session, newSession: true, "hello?");

        await Runs.InterruptOrphanedRunsAsync(T0.AddMinutes(1), allRunning: true, None);

        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddMinutes(2), T0.AddMinutes(3), None));
    }
}
