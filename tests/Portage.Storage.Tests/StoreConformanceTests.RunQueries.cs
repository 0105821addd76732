using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Core.Storage;
using Portage.Core.Windows;

namespace Portage.Storage.Tests;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task Listing_runs_walks_every_run_once_newest_first_even_with_equal_start_times()
    {
        await SeedRunsForQueriesAsync();
        var seen = new List<string>();
        RunCursor? cursor = null;
        while (true)
        {
            var page = await Runs.ListRunsAsync(SandboxA, new RunFilter(), cursor, 2, None);
            seen.AddRange(page.Select(r => r.Id));
            if (page.Count < 2)
            {
                break;
            }

            cursor = new RunCursor(page[^1].StartedAt, page[^1].Id);
        }

        // run_2 and run_3 start at the same instant: the id breaks the tie. Sandbox B's run is never listed.
        Assert.Equal(["run_5", "run_4", "run_3", "run_2", "run_1"], seen);
    }

    [Fact]
    public async Task Listing_runs_filters_by_window_status_and_end_user()
    {
        await SeedRunsForQueriesAsync();

        Assert.Equal(["run_4", "run_1"], (await Runs.ListRunsAsync(SandboxA, new RunFilter(WindowId: "ds_2"), null, 50, None)).Select(r => r.Id));
        Assert.Equal(["run_3"], (await Runs.ListRunsAsync(SandboxA, new RunFilter(Status: RunStatus.Failed), null, 50, None)).Select(r => r.Id));
        Assert.Equal(["run_5"], (await Runs.ListRunsAsync(SandboxA, new RunFilter(Status: RunStatus.Running), null, 50, None)).Select(r => r.Id));
        Assert.Equal(["run_4", "run_1"], (await Runs.ListRunsAsync(SandboxA, new RunFilter(EndUserId: UserB), null, 50, None)).Select(r => r.Id));
        Assert.Empty(await Runs.ListRunsAsync(SandboxA, new RunFilter(WindowId: "ds_b"), null, 50, None));
        var stored = Assert.Single(await Runs.ListRunsAsync(SandboxA, new RunFilter(WindowId: "ds_1", Status: RunStatus.Failed), null, 50, None));
        Assert.Equal(await Runs.GetRunAsync(SandboxA, "run_3", None), stored);
    }

    [Fact]
    public async Task Run_outputs_are_the_answer_text_and_the_session_to_continue_for_the_sandboxs_runs_only()
    {
        await SeedRunsForQueriesAsync();
        var w1 = (await Windows.GetWindowAsync(SandboxA, "ds_1", null, None))!;
        var s1 = Session("sess_1", w1);
        var answered = Run("run_answered", w1, s1, T0.AddHours(1));
        await StartAsync(answered, s1, false, "what is it?");
        await Runs.EndRunAsync(End(answered, T0.AddHours(1).AddSeconds(3), providerSessionId: "engine-42",
            parts: [TurnPart.OfText("It is "), TurnPart.OfText("42.")]), None);

        var outputs = await Runs.GetRunOutputsAsync(SandboxA, ["run_answered", "run_5", "run_b", "run_missing"], None);

        Assert.Equal(["run_5", "run_answered"], outputs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new RunOutput("It is 42.", "engine-42"), outputs["run_answered"]);
        // Still running: no answer yet; its session now carries the provider's id the later run recorded.
        Assert.Equal(new RunOutput(null, "engine-42"), outputs["run_5"]);
        Assert.Empty(await Runs.GetRunOutputsAsync(SandboxA, [], None));
    }

    [Fact]
    public async Task End_users_have_their_window_count_usage_and_last_activity()
    {
        await SeedRunsForQueriesAsync();
        await CreateWindowAsync("ds_idle", endUserId: "u-idle", lastActiveAt: T0.AddHours(5));

        var users = await Runs.ListEndUsersAsync(SandboxA, null, 100, None);

        Assert.Equal(["u-idle", UserA, UserB], users.Select(u => u.EndUserId));
        var a = users[1];
        Assert.Equal(1, a.WindowCount);
        Assert.Equal(new UsageTotals(3, 2 + 30, 4 + 40, 5, 0, 0, 9 + 11), a.Usage);
        Assert.Equal(T0.AddMinutes(50), a.LastActiveAt); // run_5's start: still running
        var b = users[2];
        Assert.Equal(1, b.WindowCount);
        Assert.Equal(new UsageTotals(2, 1 + 20, 2 + 20, 0, 1, 3, 7 + 13), b.Usage);
        Assert.Equal(T0.AddMinutes(41), b.LastActiveAt);
        Assert.Equal(new EndUserSummary("u-idle", 1, T0.AddHours(5), UsageTotals.Zero), users[0]);
        Assert.Empty(await Runs.ListEndUsersAsync("sb_none", null, 100, None));
    }

    [Fact]
    public async Task End_users_are_listed_a_page_at_a_time_after_the_last_one()
    {
        await SeedRunsForQueriesAsync();
        await CreateWindowAsync("ds_idle", endUserId: "u-idle", lastActiveAt: T0.AddHours(5));
        await CreateWindowAsync("ds_twin", endUserId: "u-twin", lastActiveAt: T0.AddHours(5));
        var all = await Runs.ListEndUsersAsync(SandboxA, null, 100, None);

        var first = await Runs.ListEndUsersAsync(SandboxA, null, 2, None);
        var second = await Runs.ListEndUsersAsync(SandboxA, new ListCursor(first[^1].LastActiveAt!.Value, first[^1].EndUserId), 2, None);
        var rest = await Runs.ListEndUsersAsync(SandboxA, new ListCursor(second[^1].LastActiveAt!.Value, second[^1].EndUserId), 2, None);

        Assert.Equal(["u-idle", "u-twin", UserA, UserB], all.Select(u => u.EndUserId));
        Assert.Equal(all, first.Concat(second).Concat(rest));
        Assert.Empty(rest);
    }

    [Fact]
    public async Task Usage_groups_come_a_page_at_a_time_in_key_order_while_the_totals_cover_every_run()
    {
        await SeedRunsForQueriesAsync();
        var byUser = new UsageQuery([SandboxA], T0, T0.AddDays(1), UsageGroupBy.EndUser, GroupLimit: 1);

        var first = await Runs.SummarizeUsageAsync(byUser, None);
        var second = await Runs.SummarizeUsageAsync(byUser with { GroupsAfter = first.Groups[^1].Key }, None);
        var last = await Runs.SummarizeUsageAsync(byUser with { GroupsAfter = second.Groups[^1].Key }, None);

        Assert.Equal([UserB], first.Groups.Select(g => g.Key));
        Assert.Equal([UserA], second.Groups.Select(g => g.Key));
        Assert.Empty(last.Groups);
        Assert.All([first, second, last], r => Assert.Equal(new UsageTotals(5, 53, 66, 5, 1, 3, 40), r.Totals));
        var byModel = await Runs.SummarizeUsageAsync(byUser with { GroupBy = UsageGroupBy.Model, GroupsAfter = "echo/echo-1", GroupLimit = 5 }, None);
        Assert.Equal(["scripted/scripted-model"], byModel.Groups.Select(g => g.Key));
    }

    [Fact]
    public async Task Usage_sums_the_runs_in_range_and_groups_add_up_to_the_total()
    {
        await SeedRunsForQueriesAsync();
        var all = new UsageQuery([SandboxA], T0, T0.AddDays(1), null);

        var report = await Runs.SummarizeUsageAsync(all, None);

        Assert.Equal(new UsageTotals(5, 53, 66, 5, 1, 3, 40), report.Totals);
        Assert.Empty(report.Groups);
        foreach (var groupBy in Enum.GetValues<UsageGroupBy>())
        {
            var grouped = await Runs.SummarizeUsageAsync(all with { GroupBy = groupBy }, None);
            Assert.Equal(report.Totals, grouped.Groups.Select(g => g.Usage).Aggregate(UsageTotals.Zero, Add));
        }

        var byModel = await Runs.SummarizeUsageAsync(all with { GroupBy = UsageGroupBy.Model }, None);
        Assert.Equal(["echo/echo-1", "scripted/scripted-model"], byModel.Groups.Select(g => g.Key));
        Assert.Equal(("scripted", "scripted-model", 2L), (byModel.Groups[1].Provider, byModel.Groups[1].Model, byModel.Groups[1].Usage.Runs));
        var byUser = await Runs.SummarizeUsageAsync(all with { GroupBy = UsageGroupBy.EndUser }, None);
        Assert.Equal([(UserB, 2L), (UserA, 3L)], byUser.Groups.Select(g => (g.Key, g.Usage.Runs)));
        var byDay = await Runs.SummarizeUsageAsync(new UsageQuery([SandboxA, SandboxB], T0.AddDays(-1), T0.AddDays(2), UsageGroupBy.Day), None);
        Assert.Equal([("2025-03-14", 6L)], byDay.Groups.Select(g => (g.Key, g.Usage.Runs)));

        // The range is half-open on start time: run_1 starts at T0 + 10 min.
        var late = await Runs.SummarizeUsageAsync(new UsageQuery([SandboxA], T0.AddMinutes(10).AddTicks(1), T0.AddDays(1), null), None);
        Assert.Equal(4, late.Totals.Runs);
        Assert.Equal(UsageTotals.Zero, (await Runs.SummarizeUsageAsync(new UsageQuery([], T0, T0.AddDays(1), null), None)).Totals);
    }

    [Fact]
    public async Task Usage_always_breaks_down_by_model_and_a_provider_grouping_names_its_provider()
    {
        await SeedRunsForQueriesAsync();
        var all = new UsageQuery([SandboxA], T0, T0.AddDays(1), null);

        var report = await Runs.SummarizeUsageAsync(all, None);
        var paged = await Runs.SummarizeUsageAsync(all with { GroupBy = UsageGroupBy.EndUser, GroupLimit = 1 }, None);
        var byProvider = await Runs.SummarizeUsageAsync(all with { GroupBy = UsageGroupBy.Provider }, None);

        Assert.Equal([("echo", "echo-1"), ("scripted", "scripted-model")], report.ByModel.Select(g => (g.Provider, g.Model)));
        Assert.Equal(report.Totals, report.ByModel.Select(g => g.Usage).Aggregate(UsageTotals.Zero, Add));
        Assert.Equal(report.ByModel, paged.ByModel);
        Assert.All(byProvider.Groups, g => Assert.Equal((g.Key, null), (g.Provider, g.Model)));
        Assert.Empty((await Runs.SummarizeUsageAsync(new UsageQuery([SandboxA], T0.AddDays(5), T0.AddDays(6), null), None)).ByModel);
    }

    private static UsageTotals Add(UsageTotals a, UsageTotals b) => new(
        a.Runs + b.Runs, a.InputTokens + b.InputTokens, a.OutputTokens + b.OutputTokens, a.CacheReadInputTokens + b.CacheReadInputTokens,
        a.CacheCreationInputTokens + b.CacheCreationInputTokens, a.ThinkingTokens + b.ThinkingTokens, a.CostMicrocents + b.CostMicrocents);

    // Sandbox A: ds_1 (UserA) has run_2 (succeeded), run_3 (failed, same start as run_2), run_5 (running, no usage);
    // ds_2 (UserB) has run_1 and run_4 on the scripted provider. Sandbox B has one run that must never show up in A.
    private async Task SeedRunsForQueriesAsync()
    {
        await SeedTenantsAsync();
        var w1 = await CreateWindowAsync("ds_1", lastActiveAt: T0.AddMinutes(1));
        var w2 = await CreateWindowAsync("ds_2", endUserId: UserB, lastActiveAt: T0.AddMinutes(2));
        var wb = await CreateWindowAsync("ds_b", SandboxB);
        var s1 = Session("sess_1", w1);
        var s2 = Session("sess_2", w2, provider: "scripted", model: "scripted-model");
        var sb = Session("sess_b", wb);

        await RunWithUsageAsync(Run("run_1", w2, s2, T0.AddMinutes(10)), s2, true, RunStatus.Succeeded,
            """{"input_tokens":1,"output_tokens":2,"cache_creation_input_tokens":1,"cost_microcents":7}""");
        await RunWithUsageAsync(Run("run_2", w1, s1, T0.AddMinutes(20)), s1, true, RunStatus.Succeeded,
            """{"input_tokens":2,"output_tokens":4,"cost_microcents":9}""");
        await RunWithUsageAsync(Run("run_3", w1, s1, T0.AddMinutes(20)), s1, false, RunStatus.Failed,
            """{"input_tokens":30,"output_tokens":40,"cache_read_input_tokens":5,"cost_microcents":11}""");
        await RunWithUsageAsync(Run("run_4", w2, s2, T0.AddMinutes(40)), s2, false, RunStatus.Succeeded,
            """{"input_tokens":20,"output_tokens":20,"thinking_tokens":3,"cost_microcents":13}""");
        await StartAsync(Run("run_5", w1, s1, T0.AddMinutes(50)), s1, false, "still going");
        await RunWithUsageAsync(Run("run_b", wb, sb, T0.AddMinutes(30)), sb, true, RunStatus.Succeeded,
            """{"input_tokens":100,"output_tokens":100,"cost_microcents":1000}""");
    }

    private async Task RunWithUsageAsync(RunRecord run, Portage.Core.Sessions.SessionRecord session, bool newSession, string status, string usageJson)
    {
        await StartAsync(run, session, newSession, "question");
        await Runs.EndRunAsync(End(run, run.StartedAt.AddMinutes(1), status) with { UsageJson = usageJson }, None);
    }
}
