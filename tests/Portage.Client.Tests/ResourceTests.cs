using System.Net;
using System.Text.Json;
using Portage.Client.Tests.Fakes;
using Portage.Protocol.Tenancy;

namespace Portage.Client.Tests;

public sealed class ResourceTests
{
    private const string Window =
        "{\"data_source_id\":\"ds_w\",\"user_id\":\"usr_1\",\"sandbox_id\":\"sb_test\",\"provider\":\"custom\",\"name\":\"w\"," +
        "\"status\":\"active\",\"kind\":\"ephemeral\",\"end_user_id\":\"u-123\",\"turn_count\":4}";

    [Fact]
    public async Task Archive_posts_to_the_archive_path_and_reads_the_status()
    {
        var handler = FakeHandler.Json("{\"success\":true,\"message\":\"archived\"}");
        using var router = TestRouter.Create(handler);

        var status = await router.Client.DataSources.ArchiveAsync("sb_test", "ds_w");

        Assert.True(status.Success);
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("http://portage.test/api/v1/storage/sandboxes/sb_test/sources/ds_w/archive", request.Uri.ToString());
        Assert.Equal("Bearer pk_test", request.Authorization);
    }

    [Fact]
    public async Task Disconnect_posts_to_the_disconnect_path()
    {
        var handler = FakeHandler.Json("{\"success\":true}");
        using var router = TestRouter.Create(handler);

        await router.Client.DataSources.DisconnectAsync("sb_test", "ds_w");

        Assert.EndsWith("/sources/ds_w/disconnect", handler.Requests[0].Uri.AbsolutePath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_sends_kind_and_end_user_filters_as_query()
    {
        var handler = FakeHandler.Json($"{{\"sources\":[{Window}],\"count\":1}}");
        using var router = TestRouter.Create(handler);

        var list = await router.Client.DataSources.ListAsync("sb_test", kind: "ephemeral", endUserId: "org:u 1");

        Assert.Equal("ds_w", Assert.Single(list.Sources).DataSourceId);
        Assert.Equal(4, list.Sources[0].TurnCount);
        Assert.Equal("?kind=ephemeral&end_user_id=org%3Au%201", handler.Requests[0].Uri.Query);
    }

    [Fact]
    public async Task List_without_filters_sends_no_query()
    {
        var handler = FakeHandler.Json("{\"sources\":[],\"count\":0}");
        using var router = TestRouter.Create(handler);

        await router.Client.DataSources.ListAsync("sb_test");

        Assert.Equal("", handler.Requests[0].Uri.Query);
    }

    [Fact]
    public async Task Get_turns_reads_the_window_log()
    {
        var handler = FakeHandler.Json(
            "{\"context_window_id\":\"ds_w\",\"end_user_id\":\"u-123\",\"count\":1,\"turns\":[{\"seq\":1,\"role\":\"user\"," +
            "\"speaker\":\"User\",\"text\":\"hi\",\"status\":\"succeeded\",\"created_at\":\"2026-01-01T00:00:00Z\"," +
            "\"parts\":[{\"type\":\"text\",\"text\":\"hi\"}]}]}");
        using var router = TestRouter.Create(handler);

        var turns = await router.Client.DataSources.GetTurnsAsync("sb_test", "ds_w", endUserId: "u-123");

        Assert.Equal("hi", Assert.Single(turns.Turns).Text);
        Assert.Equal("/api/v1/storage/sandboxes/sb_test/sources/ds_w/turns", handler.Requests[0].Uri.AbsolutePath);
        Assert.Equal("?end_user_id=u-123", handler.Requests[0].Uri.Query);
    }

    [Fact]
    public async Task Get_deliveries_reads_the_window_ledger()
    {
        var handler = FakeHandler.Json(
            "{\"context_window_id\":\"ds_w\",\"end_user_id\":\"u-123\",\"count\":1,\"deliveries\":[{\"canonical_id\":\"chunk:a1\"," +
            "\"kind\":\"menu\",\"run_id\":\"run_1\",\"delivered_at\":\"2026-01-01T00:00:00Z\",\"summary\":\"guide.md › Install\"," +
            "\"file_path\":\"docs/guide.md\",\"data_source_id\":null,\"source_type\":\"markdown\"}]}");
        using var router = TestRouter.Create(handler);

        var ledger = await router.Client.DataSources.GetDeliveriesAsync("sb_test", "ds_w", endUserId: "u-123");

        var item = Assert.Single(ledger.Deliveries);
        Assert.Equal(("chunk:a1", "menu", "run_1", "guide.md › Install", "docs/guide.md"), (item.CanonicalId, item.Kind, item.RunId, item.Summary, item.FilePath));
        Assert.Equal("/api/v1/storage/sandboxes/sb_test/sources/ds_w/deliveries?end_user_id=u-123", handler.Requests[0].Uri.PathAndQuery);
    }

    [Fact]
    public async Task Sweep_posts_the_inactivity_threshold()
    {
        var handler = FakeHandler.Json("{\"archived_count\":2,\"inactivity_seconds\":60}");
        using var router = TestRouter.Create(handler);

        var sweep = await router.Client.DataSources.SweepEphemeralAsync("sb_test", 60);

        Assert.Equal(2, sweep.ArchivedCount);
        Assert.Equal(HttpMethod.Post, handler.Requests[0].Method);
        Assert.Equal("/api/v1/storage/sandboxes/sb_test/sources/_sweep_ephemeral?inactivity_seconds=60", handler.Requests[0].Uri.PathAndQuery);
    }

    [Fact]
    public async Task Sandbox_create_sends_a_snake_case_body()
    {
        var handler = FakeHandler.Json(
            "{\"sandbox_id\":\"sb_2\",\"user_id\":\"usr_1\",\"owner_id\":\"usr_1\",\"name\":\"demo\"}");
        using var router = TestRouter.Create(handler);

        var sandbox = await router.Client.Sandboxes.CreateAsync(new CreateSandboxRequest { Name = "demo", OwnerId = "o-1" });

        Assert.Equal("sb_2", sandbox.SandboxId);
        var request = handler.Requests[0];
        Assert.Equal("http://portage.test/api/v1/storage/sandboxes", request.Uri.ToString());
        using var body = JsonDocument.Parse(request.Body!);
        Assert.Equal("o-1", body.RootElement.GetProperty("owner_id").GetString());
        Assert.False(body.RootElement.TryGetProperty("tier", out _));
    }

    [Fact]
    public async Task Sandbox_list_and_get_use_the_sandboxes_paths()
    {
        var handler = new FakeHandler
        {
            Respond = (request, _) => FakeHandler.JsonResponse(request.RequestUri!.AbsolutePath.EndsWith("sb_2", StringComparison.Ordinal)
                ? "{\"sandbox_id\":\"sb_2\",\"user_id\":\"u\",\"owner_id\":\"u\",\"name\":\"n\"}"
                : "{\"sandboxes\":[],\"count\":0}"),
        };
        using var router = TestRouter.Create(handler);

        await router.Client.Sandboxes.ListAsync();
        var sandbox = await router.Client.Sandboxes.GetAsync("sb_2");

        Assert.Equal("sb_2", sandbox.SandboxId);
        Assert.Equal("/api/v1/storage/sandboxes", handler.Requests[0].Uri.PathAndQuery);
        Assert.Equal("/api/v1/storage/sandboxes/sb_2", handler.Requests[1].Uri.PathAndQuery);
    }

    [Fact]
    public async Task Api_keys_create_list_and_revoke()
    {
        var handler = new FakeHandler
        {
            Respond = (request, _) => FakeHandler.JsonResponse(request.Method.Method switch
            {
                "POST" => "{\"id\":\"key_1\",\"name\":\"ci\",\"key\":\"pk_secret\",\"key_prefix\":\"pk_sec\",\"created_at\":\"2026-01-01T00:00:00Z\"}",
                "GET" => "[{\"id\":\"key_1\",\"name\":\"ci\",\"key_prefix\":\"pk_sec\",\"created_at\":\"2026-01-01T00:00:00Z\"}]",
                _ => "{\"revoked\":true,\"id\":\"key_1\",\"name\":\"ci\"}",
            }),
        };
        using var router = TestRouter.Create(handler);

        var created = await router.Client.ApiKeys.CreateAsync(new CreateApiKeyRequest { Name = "ci" });
        var keys = await router.Client.ApiKeys.ListAsync();
        var revoked = await router.Client.ApiKeys.RevokeAsync("key_1");

        Assert.Equal("pk_secret", created.Key);
        Assert.Equal("key_1", Assert.Single(keys).Id);
        Assert.True(revoked.Revoked);
        Assert.Equal(["POST", "GET", "DELETE"], handler.Requests.Select(r => r.Method.Method));
        Assert.Equal("/api/v1/api-keys/key_1", handler.Requests[2].Uri.AbsolutePath);
        Assert.Equal("{\"name\":\"ci\"}", handler.Requests[0].Body);
    }

    [Fact]
    public async Task Json_call_errors_name_the_operation()
    {
        var handler = FakeHandler.Json("{\"error\":\"not_found\",\"detail\":\"no data source ds_x\"}", HttpStatusCode.NotFound);
        using var router = TestRouter.Create(handler);

        var ex = await Assert.ThrowsAsync<AgentRouterException>(() => router.Client.DataSources.GetAsync("sb_test", "ds_x"));

        Assert.Equal("dataSources.get: HTTP 404 not_found: no data source ds_x", ex.Message);
        Assert.Single(handler.Requests);
    }
}
