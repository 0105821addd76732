using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Core.Windows;

namespace Portage.Storage.Tests;

// Issue 17: what the store guarantees when writers race: many at once all succeed, a run's end never doubles a sweep's
// outcome, a turn from outside a run never splits it, and a window has exactly one owner.
public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task Many_concurrent_writers_all_succeed_and_each_window_numbers_its_turns_without_gaps()
    {
        await SeedTenantsAsync();
        const int windows = 8;
        const int runsPerWindow = 12;
        for (var w = 0; w < windows; w++)
        {
            await CreateWindowAsync($"ds_{w}");
        }

        // Each window's runs one after another (rule 8), the windows all at once, with ingest jobs queued in between.
        await Task.WhenAll(Enumerable.Range(0, windows).Select(w => Task.Run(async () =>
        {
            var window = Window($"ds_{w}");
            for (var r = 0; r < runsPerWindow; r++)
            {
                var session = Session($"sess_{w}_{r}", window);
                var run = Run($"run_{w}_{r}", window, session, T0.AddSeconds(r));
                await StartAsync(run, session, newSession: true, $"question {r}");
                await Ingest.EnqueueAsync(Job($"job_{w}_{r}", createdAt: T0.AddSeconds(r)), None);
                await Runs.EndRunAsync(End(run, T0.AddSeconds(r).AddMilliseconds(500)), None);
            }
        })));

        for (var w = 0; w < windows; w++)
        {
            var turns = await Windows.ListTurnsAsync(SandboxA, $"ds_{w}", 0, 100, None);
            Assert.Equal(Enumerable.Range(1, runsPerWindow * 2).Select(i => (long)i), turns.Select(t => t.Seq));
        }
    }

    [Fact]
    public async Task Ending_a_run_that_a_sweep_already_interrupted_writes_nothing_and_says_so()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session, T0);
        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0.AddSeconds(2), None));
        await StartAsync(run, session, newSession: true, "hello");
        Assert.Equal(1, await Runs.InterruptOrphanedRunsAsync(T0.AddSeconds(3), allRunning: false, None));

        var end = End(run, T0.AddSeconds(4), transcriptJson: """[{"role":"user"}]""") with { Memory = MemoryJob("job_1"), MemoryChunks = MemoryChunks("said now") };

        var late = await Assert.ThrowsAsync<RunAlreadyEndedException>(() => Runs.EndRunAsync(end, None));

        Assert.Equal(RunStatus.Interrupted, late.Status);
        Assert.Equal(RunStatus.Interrupted, (await Runs.GetRunAsync(SandboxA, "run_1", None))!.Status);
        var turns = await Windows.ListTurnsAsync(SandboxA, "ds_1", 0, 100, None);
        Assert.Equal([(TurnRole.User, RunStatus.Succeeded), (TurnRole.Assistant, RunStatus.Interrupted)], turns.Select(t => (t.Role, t.Status)));
        Assert.Equal(2, (await Windows.GetWindowAsync(SandboxA, "ds_1", UserA, None))!.TurnCount);
        Assert.Equal(session, await Sessions.GetSessionAsync(SandboxA, "sess_1", UserA, None));
        Assert.Null(await Ingest.GetJobAsync(SandboxA, "job_1", None));
        Assert.Empty(await Content.GetChunksAsync(SandboxA, ["mem:1"], UserA, None));
    }

    [Fact]
    public async Task A_conversation_turn_for_a_window_a_run_holds_is_refused_and_nothing_is_stored()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");
        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0.AddMinutes(1), None));
        var job = Job("job_1") with { DataSourceId = "ds_1", EndUserId = UserA, SourceType = "conversation", Speaker = "User" };
        var turn = new NewTurn(TurnRole.User, "User", null, null, null, "succeeded", T0.AddSeconds(1), 2, [TurnPart.OfText("meanwhile")]);

        var busy = await Assert.ThrowsAsync<WindowBusyException>(() => Ingest.EnqueueTurnAsync(job, turn, None));

        Assert.Equal("ds_1", busy.WindowId);
        Assert.Empty(await Windows.ListTurnsAsync(SandboxA, "ds_1", 0, 100, None));
        Assert.Null(await Ingest.GetJobAsync(SandboxA, "job_1", None));

        // Once the lease has expired (its run died), the turn goes in.
        Assert.Equal(1, await Ingest.EnqueueTurnAsync(job, turn with { CreatedAt = T0.AddMinutes(2) }, None));
    }

    [Fact]
    public async Task An_unowned_window_is_bound_to_the_first_end_user_only()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1", endUserId: null);

        await Task.WhenAll(
            Task.Run(() => Windows.BindEndUserAsync(SandboxA, "ds_1", UserA, None)),
            Task.Run(() => Windows.BindEndUserAsync(SandboxA, "ds_1", UserB, None)));

        var owner = (await Windows.GetWindowAsync(SandboxA, "ds_1", null, None))!.EndUserId;
        Assert.Contains(owner, new[] { UserA, UserB });
        var other = owner == UserA ? UserB : UserA;
        await Windows.BindEndUserAsync(SandboxA, "ds_1", other, None);
        Assert.Null(await Windows.GetWindowAsync(SandboxA, "ds_1", other, None));
        Assert.NotNull(await Windows.GetWindowAsync(SandboxA, "ds_1", owner, None));
    }
}
