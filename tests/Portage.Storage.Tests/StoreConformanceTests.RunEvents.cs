using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Core.Windows;

namespace Portage.Storage.Tests;

/// <summary>Issue 5: the run event log, idempotency keys, the orphan sweep of replicas sharing a store, and long windows read backwards.</summary>
public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task Run_events_are_listed_in_order_after_a_position_and_a_page_at_a_time()
    {
        var run = await StartedRunAsync("run_1");
        await Runs.AppendRunEventsAsync(run.Id, [Frame(1, "run_started"), Frame(2, "agent_text_delta")], None);
        await Runs.AppendRunEventsAsync(run.Id, [Frame(3, "agent_text_delta"), Frame(4, "agent_finish")], None);

        Assert.Equal([1L, 2, 3, 4], (await Runs.ListRunEventsAsync(run.Id, 0, 100, None)).Select(e => e.Seq));
        Assert.Equal([Frame(3, "agent_text_delta"), Frame(4, "agent_finish")], await Runs.ListRunEventsAsync(run.Id, 2, 100, None));
        Assert.Equal([2L, 3], (await Runs.ListRunEventsAsync(run.Id, 1, 2, None)).Select(e => e.Seq));
        Assert.Empty(await Runs.ListRunEventsAsync(run.Id, 4, 100, None));
    }

    [Fact]
    public async Task A_run_event_stored_twice_is_kept_once_and_runs_do_not_share_logs()
    {
        var first = await StartedRunAsync("run_1");
        var second = await StartedRunAsync("run_2", "ds_2");
        await Runs.AppendRunEventsAsync(first.Id, [Frame(1, "run_started")], None);
        await Runs.AppendRunEventsAsync(first.Id, [Frame(1, "run_started"), Frame(2, "agent_finish")], None);
        await Runs.AppendRunEventsAsync(second.Id, [Frame(1, "run_started", """{"other":true}""")], None);

        Assert.Equal([Frame(1, "run_started"), Frame(2, "agent_finish")], await Runs.ListRunEventsAsync(first.Id, 0, 100, None));
        Assert.Equal([Frame(1, "run_started", """{"other":true}""")], await Runs.ListRunEventsAsync(second.Id, 0, 100, None));
    }

    [Fact]
    public async Task Frames_of_several_runs_are_stored_in_one_batch_and_a_batch_sent_again_is_not_doubled()
    {
        var first = await StartedRunAsync("run_1");
        var second = await StartedRunAsync("run_2", "ds_2");
        RunFrames[] batch =
        [
            new(first.Id, [Frame(1, "run_started"), Frame(2, "agent_text_delta")]),
            new(second.Id, [Frame(1, "run_started", """{"other":true}"""), Frame(2, "agent_finish")]),
        ];

        await Runs.AppendRunEventsAsync(batch, None);
        await Runs.AppendRunEventsAsync(batch, None);
        await Runs.AppendRunEventsAsync([new RunFrames(first.Id, [])], None);

        Assert.Equal([Frame(1, "run_started"), Frame(2, "agent_text_delta")], await Runs.ListRunEventsAsync(first.Id, 0, 100, None));
        Assert.Equal([Frame(1, "run_started", """{"other":true}"""), Frame(2, "agent_finish")], await Runs.ListRunEventsAsync(second.Id, 0, 100, None));
    }

    // SQLite's writes that queue together share a transaction (one savepoint each): one refused write must take only
    // itself back, and a write that returned must be readable by anyone at once, however many writes ran beside it.
    [Fact]
    public async Task Concurrent_writes_each_keep_or_lose_only_their_own_work_and_are_readable_when_they_return()
    {
        await SeedTenantsAsync();
        var windows = new List<WindowRecord>();
        for (var i = 0; i < 48; i++)
        {
            windows.Add(await CreateWindowAsync($"ds_c{i}"));
        }

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 48).Select(async i =>
        {
            await Task.Yield();
            var session = Session($"sess_c{i}", windows[i]);
            var run = Run($"run_c{i}", windows[i], session) with { IdempotencyKey = $"key-{i % 16}" };
            try
            {
                await StartAsync(run, session, newSession: true, $"hello {i}");
            }
            catch (DuplicateIdempotencyKeyException)
            {
                Assert.Null(await Runs.GetRunAsync(SandboxA, run.Id, None));
                Assert.Null(await Sessions.GetSessionAsync(SandboxA, session.Id, UserA, None));
                Assert.Equal(0, (await Windows.GetWindowAsync(SandboxA, windows[i].Id, UserA, None))!.TurnCount);
                return (Key: run.IdempotencyKey!, Stored: false);
            }

            Assert.Equal(run, await Runs.GetRunAsync(SandboxA, run.Id, None));
            await Runs.AppendRunEventsAsync(run.Id, [Frame(1, "run_started")], None);
            Assert.Equal([Frame(1, "run_started")], await Runs.ListRunEventsAsync(run.Id, 0, 10, None));
            return (Key: run.IdempotencyKey!, Stored: true);
        }));

        Assert.Equal(16, outcomes.GroupBy(o => o.Key).Count());
        Assert.All(outcomes.GroupBy(o => o.Key), attempts => Assert.Single(attempts, a => a.Stored));
    }

    [Fact]
    public async Task A_runs_idempotency_key_finds_it_for_its_sandbox_and_end_user_only()
    {
        var run = await StartedRunAsync("run_1", key: "retry-me");

        Assert.Equal(run, await Runs.FindRunByIdempotencyKeyAsync(SandboxA, UserA, "retry-me", None));
        Assert.Equal("retry-me", (await Runs.GetRunAsync(SandboxA, "run_1", None))?.IdempotencyKey);
        Assert.Null(await Runs.FindRunByIdempotencyKeyAsync(SandboxA, UserB, "retry-me", None));
        Assert.Null(await Runs.FindRunByIdempotencyKeyAsync(SandboxB, UserA, "retry-me", None));
        Assert.Null(await Runs.FindRunByIdempotencyKeyAsync(SandboxA, UserA, "other", None));
    }

    [Fact]
    public async Task A_second_run_with_a_taken_idempotency_key_is_refused_and_writes_nothing()
    {
        await StartedRunAsync("run_1", key: "once");
        var window = await Windows.GetWindowAsync(SandboxA, "ds_1", UserA, None);
        var session = Session("sess_run_2", window!);

        var refused = await Assert.ThrowsAsync<DuplicateIdempotencyKeyException>(() =>
            StartAsync(Run("run_2", window!, session) with { IdempotencyKey = "once" }, session, newSession: true, "again"));

        Assert.Equal("once", refused.IdempotencyKey);
        Assert.Null(await Runs.GetRunAsync(SandboxA, "run_2", None));
        Assert.Null(await Sessions.GetSessionAsync(SandboxA, "sess_run_2", UserA, None));
        Assert.Single(await Windows.ListTurnsAsync(SandboxA, "ds_1", 0, 100, None));

        // The same key is free for another end user, and runs without a key never collide.
        var other = await CreateWindowAsync("ds_other", endUserId: UserB);
        var otherSession = Session("sess_other", other);
        await StartAsync(Run("run_3", other, otherSession) with { IdempotencyKey = "once" }, otherSession, newSession: true, "mine");
        await StartedRunAsync("run_4", "ds_4");
        await StartedRunAsync("run_5", "ds_5");
    }

    [Fact]
    public async Task Sweeping_for_a_shared_store_interrupts_only_runs_whose_lease_expired_or_is_gone()
    {
        await SeedTenantsAsync();
        var live = await LeasedRunAsync("run_live", "ds_live", expiresAt: T0.AddMinutes(10));
        var expired = await LeasedRunAsync("run_dead", "ds_dead", expiresAt: T0.AddMinutes(1));
        var unleasedWindow = await CreateWindowAsync("ds_none");
        var unleasedSession = Session("sess_none", unleasedWindow);
        await StartAsync(Run("run_none", unleasedWindow, unleasedSession), unleasedSession, newSession: true, "no lease");

        var count = await Runs.InterruptOrphanedRunsAsync(T0.AddMinutes(5), allRunning: false, None);

        Assert.Equal(2, count);
        Assert.Equal(RunStatus.Running, (await Runs.GetRunAsync(SandboxA, live.Id, None))?.Status);
        Assert.Equal(RunStatus.Interrupted, (await Runs.GetRunAsync(SandboxA, expired.Id, None))?.Status);
        Assert.Equal(RunStatus.Interrupted, (await Runs.GetRunAsync(SandboxA, "run_none", None))?.Status);
        Assert.True(await Windows.TryAcquireLeaseAsync("ds_dead", "run_next", T0.AddMinutes(6), T0.AddMinutes(7), None));
        Assert.False(await Windows.TryAcquireLeaseAsync("ds_live", "run_next", T0.AddMinutes(6), T0.AddMinutes(7), None));
    }

    [Fact]
    public async Task Purging_a_window_deletes_the_event_logs_of_its_runs()
    {
        var run = await StartedRunAsync("run_1");
        await Runs.AppendRunEventsAsync(run.Id, [Frame(1, "run_started"), Frame(2, "agent_text_delta", """{"text":"private words"}""")], None);
        await Runs.EndRunAsync(End(run, T0.AddMinutes(1)), None);

        await Sources.PurgeSourceAsync(SandboxA, "ds_1", deleteSource: false, T0.AddMinutes(2), None);

        Assert.Empty(await Runs.ListRunEventsAsync(run.Id, 0, 100, None));
        Assert.NotNull(await Runs.GetRunAsync(SandboxA, run.Id, None));
    }

    [Fact]
    public async Task Deleting_old_run_events_keeps_running_and_recent_runs_logs()
    {
        var old = await StartedRunAsync("run_old");
        var recent = await StartedRunAsync("run_recent", "ds_2");
        var running = await StartedRunAsync("run_running", "ds_3");
        foreach (var run in new[] { old, recent, running })
        {
            await Runs.AppendRunEventsAsync(run.Id, [Frame(1, "run_started"), Frame(2, "agent_finish")], None);
        }

        await Runs.EndRunAsync(End(old, T0.AddHours(1)), None);
        await Runs.EndRunAsync(End(recent, T0.AddHours(5)), None);

        Assert.Equal(2, await Runs.DeleteRunEventsAsync(T0.AddHours(3), None));

        Assert.Empty(await Runs.ListRunEventsAsync(old.Id, 0, 10, None));
        Assert.Equal(2, (await Runs.ListRunEventsAsync(recent.Id, 0, 10, None)).Count);
        Assert.Equal(2, (await Runs.ListRunEventsAsync(running.Id, 0, 10, None)).Count);
        Assert.NotNull(await Runs.GetRunAsync(SandboxA, old.Id, None));
    }

    [Fact]
    public async Task A_window_is_read_backwards_a_page_at_a_time_oldest_first_within_the_page()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        for (var i = 1; i <= 5; i++)
        {
            var session = Session($"sess_{i}", window);
            var run = Run($"run_{i}", window, session);
            await StartAsync(run, session, newSession: true, $"question {i}");
            await Runs.EndRunAsync(End(run, T0.AddMinutes(i)), None);
        }

        var newest = await Windows.ListTurnsBeforeAsync(SandboxA, "ds_1", long.MaxValue, 0, 3, None);
        var older = await Windows.ListTurnsBeforeAsync(SandboxA, "ds_1", newest[0].Seq, 0, 3, None);
        var floored = await Windows.ListTurnsBeforeAsync(SandboxA, "ds_1", long.MaxValue, 7, 100, None);

        Assert.Equal([8L, 9, 10], newest.Select(t => t.Seq));
        Assert.Equal([5L, 6, 7], older.Select(t => t.Seq));
        Assert.Equal([8L, 9, 10], floored.Select(t => t.Seq));
        Assert.Equal("question 5", newest[1].Text);
        Assert.Empty(await Windows.ListTurnsBeforeAsync(SandboxB, "ds_1", long.MaxValue, 0, 3, None));
    }

    [Fact]
    public async Task A_compaction_turn_is_appended_after_the_runs_turns_and_read_back_with_its_range()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session);
        await StartAsync(run, session, newSession: true, "question 1");
        await Runs.EndRunAsync(End(run, T0.AddMinutes(1)), None);
        var range = new CompactedRange(1, 2, 900, 120);
        var summary = new NewTurn(TurnRole.Compaction, "Summary", "echo", "echo-1", null, RunStatus.Succeeded, T0.AddMinutes(2), 30,
            [new TurnPart(TurnPartType.Compaction, Text: "The user asked question 1.", Compacts: range)]);

        var seq = await Windows.AppendTurnAsync(SandboxA, "ds_1", summary, None);
        var missing = await Windows.AppendTurnAsync(SandboxB, "ds_1", summary, None);

        Assert.Equal(3, seq);
        Assert.Null(missing);
        var turns = await Windows.ListTurnsAsync(SandboxA, "ds_1", 0, 10, None);
        Assert.Equal(3, turns.Count);
        Assert.Equal(TurnRole.Compaction, turns[2].Role);
        Assert.Equal(range, turns[2].Compacts);
        Assert.Equal("The user asked question 1.", turns[2].Text);
        Assert.Null(turns[0].Compacts);
        Assert.Equal(3, (await Windows.GetWindowAsync(SandboxA, "ds_1", null, None))!.TurnCount);
    }

    private static RunEventRecord Frame(long seq, string name, string data = """{"n":1}""") => new(seq, name, data);

    private async Task<RunRecord> StartedRunAsync(string runId, string windowId = "ds_1", string? key = null)
    {
        if (!await Tenancy.AnyAccountAsync(None))
        {
            await SeedTenantsAsync();
        }

        var window = await Windows.GetWindowAsync(SandboxA, windowId, UserA, None) ?? await CreateWindowAsync(windowId);
        var session = Session("sess_" + runId, window);
        var run = Run(runId, window, session) with { IdempotencyKey = key };
        await StartAsync(run, session, newSession: true, "hello " + runId);
        return run;
    }

    private async Task<RunRecord> LeasedRunAsync(string runId, string windowId, DateTimeOffset expiresAt)
    {
        var window = await CreateWindowAsync(windowId);
        var session = Session("sess_" + runId, window);
        Assert.True(await Windows.TryAcquireLeaseAsync(windowId, runId, T0, expiresAt, None));
        var run = Run(runId, window, session);
        await StartAsync(run, session, newSession: true, "leased");
        return run;
    }
}
