using Portage.Core.Windows;
using Portage.Core.Runs;
using Portage.Core.Tenancy;

namespace Portage.Storage.Tests;

// Issue 16, item 5: a sandbox's changes and its destruction, which leaves no row of it in any table.
public abstract partial class StoreConformanceTests
{
    private const string Doomed = "sb_doomed";

    /// <summary>Every row of every table of the store (each as text) that contains <paramref name="marker"/>, named by its table.</summary>
    protected abstract Task<IReadOnlyList<string>> RowsMentioningAsync(string marker);

    [Fact]
    public async Task A_sandbox_is_found_by_id_and_keeps_a_change_of_name_metadata_status_and_limits()
    {
        await SeedTenantsAsync();
        var changed = SandboxRecordA with { Name = "renamed", MetadataJson = """{"team":"b"}""", Status = SandboxStatus.Suspended, LimitsJson = """{"budget_microcents":5}""" };

        Assert.True(await Tenancy.UpdateSandboxAsync(changed, None));

        var found = await Tenancy.FindSandboxAsync(SandboxA, None);
        Assert.NotNull(found);
        Assert.Equal(changed with { MetadataJson = null, LimitsJson = null }, found with { MetadataJson = null, LimitsJson = null });
        AssertJsonEqual(changed.MetadataJson, found.MetadataJson);
        AssertJsonEqual(changed.LimitsJson, found.LimitsJson);
        Assert.Null(await Tenancy.FindSandboxAsync("sb_missing", None));
    }

    [Fact]
    public async Task Renaming_a_sandbox_to_a_name_its_owner_uses_is_refused()
    {
        await SeedTenantsAsync();
        var second = SandboxRecordA with { Id = "sb_a2", Name = "second" };
        Assert.True(await Tenancy.CreateSandboxAsync(second, None));

        Assert.False(await Tenancy.UpdateSandboxAsync(second with { Name = SandboxRecordA.Name }, None));
        Assert.Equal("second", (await Tenancy.FindSandboxAsync("sb_a2", None))!.Name);
    }

    [Fact]
    public async Task Destroying_a_sandbox_leaves_no_row_of_it_in_any_table_and_every_row_of_the_others()
    {
        await SeedTenantsAsync();
        await SeedSandboxAsync(Doomed, AccountA, "doomed");
        await SeedSandboxAsync(SandboxB, AccountB, "kept");
        Assert.NotEmpty(await RowsMentioningAsync("doomed"));
        var keptBefore = await RowsMentioningAsync("kept");

        Assert.Equal(SandboxDestruction.Destroyed, await Tenancy.DestroySandboxAsync(AccountA, Doomed, None));

        Assert.Empty(await RowsMentioningAsync("doomed"));
        Assert.Equal(keptBefore, await RowsMentioningAsync("kept"));
        Assert.Null(await Tenancy.FindSandboxAsync(Doomed, None));
        Assert.NotNull(await Tenancy.FindSandboxAsync(SandboxA, None));
    }

    [Fact]
    public async Task Destroying_is_refused_while_a_run_runs_and_for_another_accounts_sandbox()
    {
        await SeedTenantsAsync();
        await Tenancy.CreateSandboxAsync(SandboxRecordA with { Id = Doomed, Name = "doomed" }, None);
        var window = await CreateWindowAsync("ds_doomed", Doomed);
        var session = Session("sess_doomed", window);
        var run = Run("run_doomed", window, session);
        await StartAsync(run, session, newSession: true, "still running");

        Assert.Equal(SandboxDestruction.NotFound, await Tenancy.DestroySandboxAsync(AccountB, Doomed, None));
        Assert.Equal(SandboxDestruction.RunInProgress, await Tenancy.DestroySandboxAsync(AccountA, Doomed, None));

        await Runs.EndRunAsync(End(run, T0.AddSeconds(1)), None);
        Assert.Equal(SandboxDestruction.Destroyed, await Tenancy.DestroySandboxAsync(AccountA, Doomed, None));
        Assert.Equal(SandboxDestruction.NotFound, await Tenancy.DestroySandboxAsync(AccountA, Doomed, None));
    }

    // One of everything a sandbox holds, every id and text carrying the marker: a durable source, a window with turns, a
    // session, an ended run with its frames, a queued job, indexed content and a delivery.
    private async Task SeedSandboxAsync(string sandboxId, string accountId, string marker)
    {
        if (await Tenancy.FindSandboxAsync(sandboxId, None) is null)
        {
            Assert.True(await Tenancy.CreateSandboxAsync(SandboxRecordA with { Id = sandboxId, AccountId = accountId, Name = marker }, None));
        }

        await Sources.CreateSourceAsync(Durable($"ds_{marker}_src", sandboxId), None);
        var window = await CreateWindowAsync($"ds_{marker}_win", sandboxId, $"user-{marker}");
        var session = Session($"sess_{marker}", window);
        var run = Run($"run_{marker}", window, session);
        await StartAsync(run, session, newSession: true, $"a {marker} question");
        await Runs.AppendRunEventsAsync(run.Id, [new RunEventRecord(1, "run_started", $$"""{"run_id":"run_{{marker}}"}""")], None);
        await Runs.EndRunAsync(End(run, T0.AddSeconds(1), parts: TurnPart.OfText($"a {marker} answer")), None);
        await Responses.DeleteResponseAsync(sandboxId, run.Id, T0.AddSeconds(1), None);
        var answered = Run($"run_{marker}_resp", window, session, T0.AddSeconds(2));
        await Runs.StartRunAsync(new RunStart(answered, null, [UserTurn(answered.Id, $"a {marker} follow-up", T0.AddSeconds(2))])
        {
            Response = new Portage.Core.Runs.ResponseDetails($"{marker} instructions", $"resp_{marker}", null),
        }, None);
        await Runs.EndRunAsync(End(answered, T0.AddSeconds(3), parts: TurnPart.OfText($"a {marker} reply")), None);
        await Ingest.EnqueueAsync(Job($"job_{marker}_queued", sandboxId) with { Text = $"{marker} text" }, None);
        await IndexAsync($"job_{marker}_indexed", Chunk($"chunk:{marker}", $"{marker} content", sandboxId: sandboxId));
        await Content.RecordDeliveriesAsync(sandboxId, window.Id, run.Id, [$"chunk:{marker}"], T0, None);
        var line = new Portage.Core.Limits.BudgetLine("end_user", window.EndUserId!, "total", "total", 1_000);
        await Spend.ReserveAsync(new Portage.Core.Limits.SpendReservation($"run_{marker}_held", sandboxId, window.EndUserId!, 10, T0.AddHours(1), [line], true), T0, None);
        await Spend.ReserveAsync(new Portage.Core.Limits.SpendReservation($"run_{marker}_settled", sandboxId, window.EndUserId!, 10, T0.AddHours(1), [line], true), T0, None);
        await Spend.SettleAsync($"run_{marker}_settled", 3, None);
        await Spend.SetEndUserLimitsAsync(sandboxId, window.EndUserId!, """{"budget_microcents":1000}""", T0, None);
        await Spend.RecordDenialAsync(new Portage.Core.Limits.BudgetDenialRecord($"bd_{marker}", sandboxId, window.EndUserId!, $"run_{marker}_denied", T0,
            "end_user", "enforce", true, 2_000, 0, 0, 1_000, "total"), None);
        var rate = new Portage.Core.Limits.RateLine($"eu:{sandboxId}:{window.EndUserId}", "end_user", sandboxId, 10, 1_000);
        Assert.Null(await Rates.AdmitAsync([rate], "2025-03-14T09:26", None));
        await Rates.AddTokensAsync([rate], "2025-03-14T09:26", 5, None);
    }
}
