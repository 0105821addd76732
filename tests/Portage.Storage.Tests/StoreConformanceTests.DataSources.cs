using Portage.Core.Sources;
using Portage.Core.Storage;
using Portage.Core.Windows;

namespace Portage.Storage.Tests;

public abstract partial class StoreConformanceTests
{
    protected static DataSourceRecord Durable(string id, string sandboxId = SandboxA, string provider = "github", DateTimeOffset? at = null) => new()
    {
        Id = id,
        SandboxId = sandboxId,
        Kind = SourceKind.Durable,
        Provider = provider,
        Name = $"source {id}",
        CreatedAt = at ?? T0,
        LastActiveAt = at ?? T0,
    };

    [Fact]
    public async Task Registered_source_is_read_back_with_every_field()
    {
        await SeedTenantsAsync();
        var source = new DataSourceRecord
        {
            Id = "ds_full",
            SandboxId = SandboxA,
            Kind = SourceKind.Durable,
            Provider = "linear",
            Name = "Linear – ACME",
            IngestionMode = SourceIngestionMode.Polling,
            Status = SourceStatus.Paused,
            ArchivedReason = null,
            EndUserId = null,
            ExternalAccountId = "org_42",
            AdapterConfigJson = """{"include":["teams","issues"],"auth":{"kind":"bearer"}}""",
            PollIntervalSeconds = 900,
            ProjectId = "proj_1",
            WebhookUrl = "https://portage.test/hooks/ds_full",
            LastSyncAt = T0.AddMinutes(2),
            CreatedAt = T0,
            LastActiveAt = T0.AddMinutes(1),
        };

        await Sources.CreateSourceAsync(source, None);

        var read = await Sources.GetSourceAsync(SandboxA, "ds_full", None);
        Assert.NotNull(read);
        AssertJsonEqual(source.AdapterConfigJson, read.AdapterConfigJson);
        Assert.Equal(source, read with { AdapterConfigJson = source.AdapterConfigJson });
        Assert.Equal(0, read.TurnCount);
    }

    [Fact]
    public async Task Window_created_on_the_run_path_is_an_ephemeral_custom_manual_source()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_w", lastActiveAt: T0.AddMinutes(3));

        var source = await Sources.GetSourceAsync(SandboxA, "ds_w", None);

        Assert.NotNull(source);
        Assert.Equal((SourceKind.Ephemeral, "custom", SourceIngestionMode.Manual), (source.Kind, source.Provider, source.IngestionMode));
        Assert.Equal((window.Name, window.Status, window.EndUserId), (source.Name, source.Status, source.EndUserId));
        Assert.Equal((window.CreatedAt, window.LastActiveAt, 0), (source.CreatedAt, source.LastActiveAt, source.TurnCount));
        AssertJsonEqual("{}", source.AdapterConfigJson);
        Assert.Null(source.PollIntervalSeconds);
    }

    [Fact]
    public async Task Registered_ephemeral_source_is_a_window_of_the_run_path()
    {
        await SeedTenantsAsync();
        var source = Durable("ds_e") with { Kind = SourceKind.Ephemeral, Provider = "custom", EndUserId = UserA, LastActiveAt = T0.AddMinutes(1) };
        await Sources.CreateSourceAsync(source, None);

        var window = await Windows.GetWindowAsync(SandboxA, "ds_e", UserA, None);

        Assert.Equal(new WindowRecord("ds_e", SandboxA, UserA, "source ds_e", SourceStatus.Active, null, T0, T0.AddMinutes(1), 0), window);
        Assert.Equal("ds_e", (await Windows.FindActiveWindowAsync(SandboxA, UserA, None))?.Id);
    }

    [Fact]
    public async Task Durable_source_is_never_a_window()
    {
        await SeedTenantsAsync();
        await Sources.CreateSourceAsync(Durable("ds_d") with { EndUserId = UserA, LastActiveAt = T0.AddMinutes(5) }, None);

        Assert.Null(await Windows.GetWindowAsync(SandboxA, "ds_d", null, None));
        Assert.Null(await Windows.FindActiveWindowAsync(SandboxA, UserA, None));
        Assert.Empty(await Windows.ListWindowsAsync(SandboxA, null, null, None));
        Assert.False(await Windows.SetWindowStatusAsync(SandboxA, "ds_d", SourceStatus.Archived, ArchiveReason.Explicit, None));
        Assert.Equal(0, await Windows.ArchiveInactiveWindowsAsync(null, T0.AddDays(1), T0.AddDays(1), None));
        Assert.Equal(SourceStatus.Active, (await Sources.GetSourceAsync(SandboxA, "ds_d", None))?.Status);
    }

    [Fact]
    public async Task Binding_an_end_user_never_touches_a_durable_source()
    {
        await SeedTenantsAsync();
        await Sources.CreateSourceAsync(Durable("ds_d"), None);

        await Windows.BindEndUserAsync(SandboxA, "ds_d", UserA, None);

        Assert.Null((await Sources.GetSourceAsync(SandboxA, "ds_d", None))?.EndUserId);
    }

    [Fact]
    public async Task Source_of_another_sandbox_is_answered_as_missing_by_every_call()
    {
        await SeedTenantsAsync();
        await Sources.CreateSourceAsync(Durable("ds_1"), None);
        var calls = 0;

        Assert.Null(await Sources.GetSourceAsync(SandboxB, "ds_1", None));
        Assert.Null(await Sources.UpdateSourceAsync(SandboxB, "ds_1", s => { calls++; return s with { Name = "stolen" }; }, None));
        Assert.Equal(SourceDeletion.NotFound, await Sources.DeleteSourceAsync(SandboxB, "ds_1", None));
        Assert.Equal(SourcePurgeOutcome.NotFound, (await Sources.PurgeSourceAsync(SandboxB, "ds_1", deleteSource: true, T0, None)).Outcome);
        Assert.Empty(await Sources.ListSourcesAsync(SandboxB, new DataSourceFilter(), null, 100, None));

        Assert.Equal(0, calls);
        Assert.Equal(Durable("ds_1"), await Sources.GetSourceAsync(SandboxA, "ds_1", None));
    }

    [Fact]
    public async Task Unknown_source_is_missing()
    {
        await SeedTenantsAsync();

        Assert.Null(await Sources.GetSourceAsync(SandboxA, "ds_nope", None));
        Assert.Null(await Sources.UpdateSourceAsync(SandboxA, "ds_nope", s => s, None));
        Assert.Equal(SourceDeletion.NotFound, await Sources.DeleteSourceAsync(SandboxA, "ds_nope", None));
        Assert.Equal(SourcePurgeOutcome.NotFound, (await Sources.PurgeSourceAsync(SandboxA, "ds_nope", deleteSource: false, T0, None)).Outcome);
    }

    [Fact]
    public async Task Listing_sources_pages_after_the_last_source_even_when_activity_times_are_equal()
    {
        await SeedTenantsAsync();
        foreach (var (id, minute) in new[] { ("ds_a", 1), ("ds_b", 2), ("ds_c", 2), ("ds_d", 2), ("ds_e", 3) })
        {
            await Sources.CreateSourceAsync(Durable(id, at: T0.AddMinutes(minute)), None);
        }

        await Sources.CreateSourceAsync(Durable("ds_other", sandboxId: SandboxB, at: T0.AddMinutes(2)), None);
        var pages = new List<string[]>();
        ListCursor? after = null;
        do
        {
            var page = await Sources.ListSourcesAsync(SandboxA, new DataSourceFilter(), after, 2, None);
            pages.Add([.. page.Select(s => s.Id)]);
            after = page.Count == 2 ? new ListCursor(page[^1].LastActiveAt, page[^1].Id) : null;
        }
        while (after is not null);

        Assert.Equal([["ds_e", "ds_b"], ["ds_c", "ds_d"], ["ds_a"]], pages);
        Assert.Equal(["ds_b", "ds_c"], (await Sources.ListSourcesAsync(SandboxA, new DataSourceFilter(), new ListCursor(T0.AddMinutes(3), "ds_e"), 2, None)).Select(s => s.Id));
    }

    [Fact]
    public async Task Listing_sources_filters_by_provider_status_kind_and_end_user_newest_activity_first()
    {
        await SeedTenantsAsync();
        var github = Durable("ds_github", at: T0.AddMinutes(1));
        var slack = Durable("ds_slack", provider: "slack", at: T0.AddMinutes(2)) with { Status = SourceStatus.Paused };
        await Sources.CreateSourceAsync(github, None);
        await Sources.CreateSourceAsync(slack, None);
        await Sources.CreateSourceAsync(Durable("ds_elsewhere", sandboxId: SandboxB, at: T0.AddMinutes(9)), None);
        await CreateWindowAsync("ds_wa", endUserId: UserA, lastActiveAt: T0.AddMinutes(3));
        await CreateWindowAsync("ds_wb", endUserId: UserB, lastActiveAt: T0.AddMinutes(4), status: SourceStatus.Archived, archivedReason: ArchiveReason.Explicit);

        async Task<string[]> Ids(DataSourceFilter filter) => [.. (await Sources.ListSourcesAsync(SandboxA, filter, null, 100, None)).Select(s => s.Id)];

        Assert.Equal(["ds_wb", "ds_wa", "ds_slack", "ds_github"], await Ids(new DataSourceFilter()));
        Assert.Equal(["ds_wb", "ds_wa"], await Ids(new DataSourceFilter(Provider: "custom")));
        Assert.Equal(["ds_slack", "ds_github"], await Ids(new DataSourceFilter(Kind: SourceKind.Durable)));
        Assert.Equal(["ds_wb", "ds_wa"], await Ids(new DataSourceFilter(Kind: SourceKind.Ephemeral)));
        Assert.Equal(["ds_slack"], await Ids(new DataSourceFilter(Status: SourceStatus.Paused)));
        Assert.Equal(["ds_wa", "ds_github"], await Ids(new DataSourceFilter(Status: SourceStatus.Active)));
        Assert.Equal(["ds_wb"], await Ids(new DataSourceFilter(EndUserId: UserB)));
        Assert.Equal(["ds_github"], await Ids(new DataSourceFilter(Provider: "github", Status: SourceStatus.Active, Kind: SourceKind.Durable)));
        Assert.Empty(await Ids(new DataSourceFilter(Provider: "github", Kind: SourceKind.Ephemeral)));
    }

    [Fact]
    public async Task Update_writes_the_mutable_fields_and_keeps_the_rest()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_w", lastActiveAt: T0.AddMinutes(1));
        var session = Session("sess_1", window);
        await StartAsync(Run("run_1", window, session, T0.AddMinutes(2)), session, newSession: true, "hello");
        var before = await Sources.GetSourceAsync(SandboxA, "ds_w", None);
        Assert.NotNull(before);

        var updated = await Sources.UpdateSourceAsync(SandboxA, "ds_w", s => s with
        {
            Name = "renamed",
            IngestionMode = SourceIngestionMode.Batch,
            Status = SourceStatus.Archived,
            ArchivedReason = ArchiveReason.Explicit,
            ExternalAccountId = "acct_9",
            AdapterConfigJson = """{"a":{"b":1}}""",
            PollIntervalSeconds = 120,
            ProjectId = "proj_2",
            WebhookUrl = "https://hooks.test/1",
            LastSyncAt = T0.AddHours(1),
            // Not writable through an update: these must be kept.
            Kind = SourceKind.Durable,
            Provider = "github",
            EndUserId = UserB,
            CreatedAt = T0.AddDays(-1),
            LastActiveAt = T0.AddDays(-1),
            TurnCount = 99,
        }, None);

        var expected = before with
        {
            Name = "renamed",
            IngestionMode = SourceIngestionMode.Batch,
            Status = SourceStatus.Archived,
            ArchivedReason = ArchiveReason.Explicit,
            ExternalAccountId = "acct_9",
            AdapterConfigJson = """{"a":{"b":1}}""",
            PollIntervalSeconds = 120,
            ProjectId = "proj_2",
            WebhookUrl = "https://hooks.test/1",
            LastSyncAt = T0.AddHours(1),
        };
        Assert.NotNull(updated);
        AssertJsonEqual(expected.AdapterConfigJson, updated.AdapterConfigJson);
        Assert.Equal(expected, updated with { AdapterConfigJson = expected.AdapterConfigJson });
        var read = await Sources.GetSourceAsync(SandboxA, "ds_w", None);
        Assert.Equal(expected, read! with { AdapterConfigJson = expected.AdapterConfigJson });
        Assert.Equal(1, read.TurnCount);
        Assert.Equal(SourceStatus.Archived, (await Windows.GetWindowAsync(SandboxA, "ds_w", UserA, None))?.Status);
    }

    [Fact]
    public async Task Update_sees_the_current_record_and_can_clear_optional_fields()
    {
        await SeedTenantsAsync();
        await Sources.CreateSourceAsync(Durable("ds_1") with { ExternalAccountId = "x", PollIntervalSeconds = 60, ProjectId = "p", LastSyncAt = T0 }, None);
        await Sources.UpdateSourceAsync(SandboxA, "ds_1", s => s with { Name = s.Name + " 2" }, None);

        var updated = await Sources.UpdateSourceAsync(SandboxA, "ds_1", s => s with
        {
            Name = s.Name + " 3",
            ExternalAccountId = null,
            PollIntervalSeconds = null,
            ProjectId = null,
            LastSyncAt = null,
        }, None);

        Assert.Equal(Durable("ds_1") with { Name = "source ds_1 2 3" }, updated);
    }

    [Fact]
    public async Task Update_that_throws_writes_nothing()
    {
        await SeedTenantsAsync();
        await Sources.CreateSourceAsync(Durable("ds_1"), None);

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Sources.UpdateSourceAsync(SandboxA, "ds_1", _ => throw new InvalidOperationException("refused"), None));

        Assert.Equal(Durable("ds_1"), await Sources.GetSourceAsync(SandboxA, "ds_1", None));
        Assert.NotNull(await Sources.UpdateSourceAsync(SandboxA, "ds_1", s => s with { Name = "after" }, None));
    }

    [Fact]
    public async Task Concurrent_updates_never_lose_each_other()
    {
        await SeedTenantsAsync();
        await Sources.CreateSourceAsync(Durable("ds_1"), None);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() =>
            Sources.UpdateSourceAsync(SandboxA, "ds_1", s => s with { PollIntervalSeconds = (s.PollIntervalSeconds ?? 0) + 1 }, None))));

        Assert.Equal(20, (await Sources.GetSourceAsync(SandboxA, "ds_1", None))?.PollIntervalSeconds);
    }

    [Fact]
    public async Task Delete_removes_a_registration_without_history()
    {
        await SeedTenantsAsync();
        await Sources.CreateSourceAsync(Durable("ds_d"), None);
        await CreateWindowAsync("ds_unused");

        Assert.Equal(SourceDeletion.Deleted, await Sources.DeleteSourceAsync(SandboxA, "ds_d", None));
        Assert.Equal(SourceDeletion.Deleted, await Sources.DeleteSourceAsync(SandboxA, "ds_unused", None));

        Assert.Null(await Sources.GetSourceAsync(SandboxA, "ds_d", None));
        Assert.Null(await Windows.GetWindowAsync(SandboxA, "ds_unused", null, None));
        Assert.Equal(SourceDeletion.NotFound, await Sources.DeleteSourceAsync(SandboxA, "ds_d", None));
    }

    [Fact]
    public async Task Delete_refuses_a_window_with_turns_sessions_runs_or_a_lease()
    {
        await SeedTenantsAsync();
        var used = await CreateWindowAsync("ds_used");
        var session = Session("sess_1", used);
        await StartAsync(Run("run_1", used, session), session, newSession: true, "hello");
        await CreateWindowAsync("ds_leased");
        await Windows.TryAcquireLeaseAsync("ds_leased", "run_2", T0, T0.AddMinutes(1), None);

        Assert.Equal(SourceDeletion.HasHistory, await Sources.DeleteSourceAsync(SandboxA, "ds_used", None));
        Assert.Equal(SourceDeletion.HasHistory, await Sources.DeleteSourceAsync(SandboxA, "ds_leased", None));

        Assert.NotNull(await Sources.GetSourceAsync(SandboxA, "ds_used", None));
        Assert.Single(await Windows.ListTurnsAsync(SandboxA, "ds_used", 0, 100, None));
    }

    [Fact]
    public async Task Purge_deletes_turns_and_sessions_keeps_runs_and_the_source_and_restarts_the_sequence()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_w");
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session);
        await StartAsync(run, session, newSession: true, "one", "two");
        await Runs.EndRunAsync(End(run, T0.AddSeconds(5), parts: TurnPart.OfText("answer")), None);
        var other = await CreateWindowAsync("ds_other");
        var otherSession = Session("sess_2", other);
        await StartAsync(Run("run_2", other, otherSession), otherSession, newSession: true, "untouched");

        var result = await Sources.PurgeSourceAsync(SandboxA, "ds_w", deleteSource: false, T0.AddMinutes(1), None);

        Assert.Equal(new SourcePurgeResult(SourcePurgeOutcome.Purged, 3, 1, 0, false), result);
        Assert.Empty(await Windows.ListTurnsAsync(SandboxA, "ds_w", 0, 100, None));
        Assert.Null(await Sessions.GetSessionAsync(SandboxA, "sess_1", null, None));
        Assert.NotNull(await Runs.GetRunAsync(SandboxA, "run_1", None));
        var purged = await Windows.GetWindowAsync(SandboxA, "ds_w", null, None);
        Assert.Equal(0, purged?.TurnCount);
        Assert.Single(await Windows.ListTurnsAsync(SandboxA, "ds_other", 0, 100, None));
        Assert.NotNull(await Sessions.GetSessionAsync(SandboxA, "sess_2", null, None));

        var again = Session("sess_3", window);
        Assert.Equal([1L], await StartAsync(Run("run_3", window, again, T0.AddMinutes(2)), again, newSession: true, "fresh start"));
    }

    [Fact]
    public async Task Purge_with_delete_source_deletes_the_runs_and_the_registration()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_w");
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session);
        await StartAsync(run, session, newSession: true, "hello");
        await Runs.EndRunAsync(End(run, T0.AddSeconds(5)), None);

        var result = await Sources.PurgeSourceAsync(SandboxA, "ds_w", deleteSource: true, T0.AddMinutes(1), None);

        Assert.Equal(new SourcePurgeResult(SourcePurgeOutcome.Purged, 2, 1, 1, true), result);
        Assert.Null(await Sources.GetSourceAsync(SandboxA, "ds_w", None));
        Assert.Null(await Runs.GetRunAsync(SandboxA, "run_1", None));
        Assert.Empty(await Windows.ListTurnsAsync(SandboxA, "ds_w", 0, 100, None));
    }

    [Fact]
    public async Task Purge_of_a_durable_source_counts_nothing_of_the_run_path()
    {
        await SeedTenantsAsync();
        await Sources.CreateSourceAsync(Durable("ds_d"), None);

        Assert.Equal(new SourcePurgeResult(SourcePurgeOutcome.Purged, 0, 0, 0, false),
            await Sources.PurgeSourceAsync(SandboxA, "ds_d", deleteSource: false, T0, None));
        Assert.Equal(Durable("ds_d"), await Sources.GetSourceAsync(SandboxA, "ds_d", None));
        Assert.Equal(new SourcePurgeResult(SourcePurgeOutcome.Purged, 0, 0, 0, true),
            await Sources.PurgeSourceAsync(SandboxA, "ds_d", deleteSource: true, T0, None));
        Assert.Null(await Sources.GetSourceAsync(SandboxA, "ds_d", None));
    }

    [Fact]
    public async Task Purge_is_refused_while_a_run_holds_an_unexpired_lease()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_w");
        var session = Session("sess_1", window);
        await StartAsync(Run("run_1", window, session), session, newSession: true, "hello");
        await Windows.TryAcquireLeaseAsync("ds_w", "run_1", T0, T0.AddMinutes(1), None);

        Assert.Equal(SourcePurgeResult.Nothing(SourcePurgeOutcome.RunInProgress),
            await Sources.PurgeSourceAsync(SandboxA, "ds_w", deleteSource: true, T0.AddSeconds(30), None));
        Assert.Single(await Windows.ListTurnsAsync(SandboxA, "ds_w", 0, 100, None));

        var expired = await Sources.PurgeSourceAsync(SandboxA, "ds_w", deleteSource: false, T0.AddMinutes(2), None);

        Assert.Equal(SourcePurgeOutcome.Purged, expired.Outcome);
        Assert.True(await Windows.TryAcquireLeaseAsync("ds_w", "run_2", T0.AddMinutes(2), T0.AddMinutes(3), None));
    }
}
