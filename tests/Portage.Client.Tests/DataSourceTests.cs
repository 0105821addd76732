using System.Text.Json;
using Portage.Client.Tests.Fakes;
using Portage.Protocol.Ingest;
using Portage.Protocol.Runs;
using Portage.Protocol.Sources;
using Portage.Testing;

namespace Portage.Client.Tests;

/// <summary>
/// <c>Client.DataSources</c>: register, list, update, pause, resume, delete and purge, on the wire (fake handler) and
/// against the real router in process.
/// </summary>
public sealed class DataSourceTests
{
    [Fact]
    public async Task Register_update_pause_resume_and_delete_a_durable_source()
    {
        using var app = new PortageApp();
        using var http = app.CreateClient();
        using var router = Router(app, http);
        var sources = router.Client.DataSources;

        var created = await sources.RegisterAsync(app.SandboxId, new RegisterDataSourceRequest
        {
            Provider = "github",
            Name = "repo",
            IngestionMode = "polling",
            PollIntervalSeconds = 300,
            AdapterConfig = Json("""{"repo": "acme/app", "auth": {"kind": "app", "app_id": 7}}"""),
        });
        Assert.Equal(("github", "repo", "durable", "active", 300), (created.Provider, created.Name, created.Kind, created.Status, created.PollIntervalSeconds));

        var merged = await sources.UpdateAsync(app.SandboxId, created.DataSourceId,
            new UpdateDataSourceRequest { Name = "app repo", AdapterConfig = Json("""{"auth": {"app_id": 8}}""") }, mergeAdapterConfig: true);
        Assert.Equal("app repo", merged.Name);
        Assert.Equal("acme/app", merged.AdapterConfig!.Value.GetProperty("repo").GetString());
        Assert.Equal(8, merged.AdapterConfig.Value.GetProperty("auth").GetProperty("app_id").GetInt32());
        Assert.Equal("app", merged.AdapterConfig.Value.GetProperty("auth").GetProperty("kind").GetString());

        var replaced = await sources.UpdateAsync(app.SandboxId, created.DataSourceId, new UpdateDataSourceRequest { AdapterConfig = Json("""{"repo": "acme/web"}""") });
        Assert.Equal("acme/web", replaced.AdapterConfig!.Value.GetProperty("repo").GetString());
        Assert.False(replaced.AdapterConfig.Value.TryGetProperty("auth", out _));

        Assert.True((await sources.PauseAsync(app.SandboxId, created.DataSourceId)).Success);
        Assert.Equal(created.DataSourceId, Assert.Single((await sources.ListAsync(app.SandboxId, provider: "github", status: "paused")).Sources).DataSourceId);
        Assert.True((await sources.ResumeAsync(app.SandboxId, created.DataSourceId)).Success);
        Assert.Equal("active", (await sources.GetAsync(app.SandboxId, created.DataSourceId)).Status);

        Assert.True((await sources.DeleteAsync(app.SandboxId, created.DataSourceId)).Success);
        var gone = await Assert.ThrowsAsync<AgentRouterException>(() => sources.GetAsync(app.SandboxId, created.DataSourceId));
        Assert.Equal("source_not_found", gone.ErrorType);
    }

    [Fact]
    public async Task A_window_compacted_through_the_sdk_keeps_its_turns_and_lists_the_summary_turn()
    {
        using var app = new PortageApp();
        using var http = app.CreateClient();
        using var router = Router(app, http);
        string? windowId = null;
        foreach (var message in new[] { "My orchard has 40 pear trees.", "The frost came early this year.", "What should I prune first?" })
        {
            windowId = await RunAsync(router, new RunOptions { Provider = "echo", EndUserId = "u-123", Message = message, ContextWindowId = windowId });
        }

        var compacted = await router.Client.DataSources.CompactAsync(app.SandboxId, windowId!, new CompactWindowRequest { EndUserId = "u-123", KeepExchanges = 1 });
        var other = await Assert.ThrowsAsync<AgentRouterException>(
            () => router.Client.DataSources.CompactAsync(app.SandboxId, windowId!, new CompactWindowRequest { EndUserId = "u-someone-else" }));

        Assert.True(compacted.Compacted);
        Assert.Equal((1L, 4L, "echo"), (compacted.ReplacedFromSeq, compacted.ReplacedToSeq, compacted.Provider));
        Assert.Contains("40 pear trees", compacted.Summary, StringComparison.Ordinal);
        Assert.Equal(("source_not_found", 404), (other.ErrorType, (int)other.StatusCode));
        var turns = await router.Client.DataSources.GetTurnsAsync(app.SandboxId, windowId!);
        Assert.Equal(["user", "assistant", "user", "assistant", "user", "assistant", "compaction"], turns.Turns.Select(t => t.Role));
        Assert.Equal(compacted.SummarySeq, turns.Turns[^1].Seq);
        Assert.Equal((1L, 4L), (turns.Turns[^1].Parts[0].Compaction!.ReplacedFromSeq, turns.Turns[^1].Parts[0].Compaction!.ReplacedToSeq));
    }

    [Fact]
    public async Task A_window_registered_like_contextWindow_create_is_used_by_a_run_then_purged()
    {
        using var app = new PortageApp();
        using var http = app.CreateClient();
        using var router = Router(app, http);
        var sources = router.Client.DataSources;

        var window = await sources.RegisterAsync(app.SandboxId, new RegisterDataSourceRequest
        {
            Provider = "custom",
            Name = "window-1767225600000",
            IngestionMode = "manual",
            Kind = "ephemeral",
        });
        var windowId = await RunAsync(router, new RunOptions { Provider = "echo", EndUserId = "u-123", Message = "hello", ContextWindowId = window.DataSourceId });
        Assert.Equal(window.DataSourceId, windowId);
        Assert.Equal("u-123", (await sources.GetAsync(app.SandboxId, window.DataSourceId)).EndUserId);

        var closed = await Assert.ThrowsAsync<AgentRouterException>(() => sources.DeleteAsync(app.SandboxId, window.DataSourceId));
        Assert.Equal("source_has_history", closed.ErrorType);

        var purge = await sources.PurgeAsync(app.SandboxId, window.DataSourceId, deleteSource: true);

        Assert.True(purge.Success);
        Assert.True(purge.DeleteSourceApplied);
        Assert.Equal((2, 1, 1), (purge.Deleted("turns_deleted"), purge.Deleted("sessions_deleted"), purge.Deleted("runs_deleted")));
        // The run's two turns were queued as conversation memory: each is either indexed (and deleted now) or still
        // queued (and cancelled now), never left behind.
        Assert.Equal(2, purge.Deleted("chunks_deleted") + purge.Deleted("ingest_jobs_cancelled"));
        Assert.Empty((await sources.ListAsync(app.SandboxId, kind: "ephemeral")).Sources);
    }

    [Fact]
    public async Task Purge_reads_the_copass_counts_as_properties_and_portages_as_extras()
    {
        var handler = FakeHandler.Json(
            """
            {"success":true,"delete_source_applied":true,"events_deleted":4,"extractions_deleted":6,"canonical_index_rows_deleted":0,
             "vault_objects_deleted":0,"turns_deleted":4,"chunks_deleted":6,"runs_deleted":2}
            """);
        using var router = TestRouter.Create(handler);

        var purge = await router.Client.DataSources.PurgeAsync("sb_test", "ds_1", deleteSource: true);

        Assert.Equal((4L, 6L, 0L), (purge.EventsDeleted, purge.ExtractionsDeleted, purge.VaultObjectsDeleted));
        Assert.Equal((4L, 6L, 2L), (purge.Deleted("events_deleted"), purge.Deleted("extractions_deleted"), purge.Deleted("runs_deleted")));
        Assert.False(purge.Counts.ContainsKey("events_deleted"));
    }

    [Fact]
    public async Task Calls_use_the_documented_paths_methods_and_bodies()
    {
        var handler = new FakeHandler
        {
            Respond = (request, _) => FakeHandler.JsonResponse(request.RequestUri!.AbsolutePath.EndsWith("/purge", StringComparison.Ordinal)
                ? """{"success":true,"delete_source_applied":false,"turns_deleted":3,"chunks_deleted":9}"""
                : request.Method == HttpMethod.Patch || request.Method == HttpMethod.Post && request.RequestUri.AbsolutePath.EndsWith("/sources", StringComparison.Ordinal)
                    ? """{"data_source_id":"ds_1","user_id":"u","sandbox_id":"sb_test","provider":"custom","name":"n","status":"active","kind":"durable"}"""
                    : """{"success":true}"""),
        };
        using var router = TestRouter.Create(handler);
        var sources = router.Client.DataSources;

        await sources.RegisterAsync("sb_test", new RegisterDataSourceRequest { Provider = "custom", Name = "n" });
        await sources.UpdateAsync("sb_test", "ds_1", new UpdateDataSourceRequest { Name = "m" }, mergeAdapterConfig: true);
        await sources.UpdateAsync("sb_test", "ds_1", new UpdateDataSourceRequest { Name = "m" });
        await sources.PauseAsync("sb_test", "ds_1");
        await sources.ResumeAsync("sb_test", "ds_1");
        await sources.DeleteAsync("sb_test", "ds_1");
        var purge = await sources.PurgeAsync("sb_test", "ds_1");

        Assert.Equal(
            [
                "POST /api/v1/storage/sandboxes/sb_test/sources",
                "PATCH /api/v1/storage/sandboxes/sb_test/sources/ds_1?merge_adapter_config=true",
                "PATCH /api/v1/storage/sandboxes/sb_test/sources/ds_1",
                "POST /api/v1/storage/sandboxes/sb_test/sources/ds_1/pause",
                "POST /api/v1/storage/sandboxes/sb_test/sources/ds_1/resume",
                "DELETE /api/v1/storage/sandboxes/sb_test/sources/ds_1",
                "POST /api/v1/storage/sandboxes/sb_test/sources/ds_1/purge",
            ],
            handler.Requests.Select(r => $"{r.Method} {r.Uri.PathAndQuery}"));
        Assert.Equal("""{"provider":"custom","name":"n"}""", handler.Requests[0].Body);
        Assert.Equal("""{"name":"m"}""", handler.Requests[1].Body);
        Assert.Equal("""{"delete_source":false}""", handler.Requests[6].Body);
        Assert.Equal((3, 9, 0), (purge.Deleted("turns_deleted"), purge.Deleted("chunks_deleted"), purge.Deleted("runs_deleted")));
    }

    [Fact]
    public async Task The_delivery_ledger_of_a_window_shows_what_discover_gave_its_agent()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Retrieval:Prefetch"] = "false" });
        using var http = app.CreateClient();
        using var router = Router(app, http);
        var job = await router.Client.Ingest.TextAsync(app.SandboxId,
            new IngestTextRequest { Text = "# Frost\n\nFrost alerts fire below -2 °C at the field gateway.", SourceType = "markdown", FilePath = "notes/frost.md" });
        Assert.Equal("completed", (await router.Client.Ingest.WaitForJobAsync(app.SandboxId, job.JobId, TimeSpan.FromMilliseconds(20))).Status);

        var windowId = await RunAsync(router, new RunOptions { Provider = "echo", Message = "/discover frost alerts", EndUserId = "u-ledger" });
        var ledger = await router.Client.DataSources.GetDeliveriesAsync(app.SandboxId, windowId, "u-ledger");

        var item = Assert.Single(ledger.Deliveries);
        Assert.Equal(("menu", "notes/frost.md", "frost.md › Frost"), (item.Kind, item.FilePath, item.Summary));
        Assert.Equal((windowId, 1), (ledger.ContextWindowId, ledger.Count));
    }

    [Fact]
    public async Task List_sends_provider_and_status_filters()
    {
        var handler = FakeHandler.Json("""{"sources":[],"count":0}""");
        using var router = TestRouter.Create(handler);

        await router.Client.DataSources.ListAsync("sb_test", kind: "durable", provider: "github", status: "paused");

        Assert.Equal("?kind=durable&provider=github&status=paused", handler.Requests[0].Uri.Query);
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static AgentRouter Router(PortageApp app, HttpClient http) => new(new AgentRouterOptions
    {
        ApiKey = app.Credentials.ApiKey,
        SandboxId = app.SandboxId,
        HttpClient = http,
    });

    private static async Task<string> RunAsync(AgentRouter router, RunOptions options)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string? windowId = null;
        await foreach (var e in router.RunAsync(options, cancellationToken: guard.Token))
        {
            switch (e)
            {
                case AgentFinish finish:
                    windowId = finish.ContextWindowId;
                    break;
                case AgentError error:
                    Assert.Fail($"the run failed: {error.Type}: {error.Message}");
                    break;
                default:
                    break;
            }
        }

        return windowId ?? throw new InvalidOperationException("the run did not finish");
    }
}
