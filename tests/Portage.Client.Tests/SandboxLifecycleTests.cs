using System.Text.Json;
using Portage.Client.Tests.Fakes;
using Portage.Protocol.Tenancy;

namespace Portage.Client.Tests;

/// <summary>The SDK's sandbox lifecycle calls (issue 16, item 5): their methods, paths and bodies.</summary>
public sealed class SandboxLifecycleTests
{
    private const string SandboxJson =
        "{\"sandbox_id\":\"sb_1\",\"user_id\":\"acct\",\"owner_id\":\"acct\",\"name\":\"renamed\",\"status\":\"active\"," +
        "\"limits\":{\"budget_microcents\":500,\"budget_period\":\"day\",\"gate_mode\":\"enforce\"}}";

    [Fact]
    public async Task Set_limits_patches_every_limit_and_reads_the_sandbox_back()
    {
        var handler = FakeHandler.Json(SandboxJson);
        using var router = TestRouter.Create(handler);

        var sandbox = await router.Client.Sandboxes.SetLimitsAsync("sb_1", new SandboxLimits { BudgetMicrocents = 500, BudgetPeriod = "day" });

        Assert.Equal(500, sandbox.Limits.BudgetMicrocents);
        Assert.Equal("enforce", sandbox.Limits.GateMode);
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Patch, request.Method);
        Assert.Equal("/api/v1/storage/sandboxes/sb_1", request.Uri.AbsolutePath);
        var limits = JsonDocument.Parse(request.Body!).RootElement.GetProperty("limits");
        Assert.Equal(500, limits.GetProperty("budget_microcents").GetInt64());
        Assert.Equal(JsonValueKind.Null, limits.GetProperty("requests_per_minute").ValueKind);
    }

    [Fact]
    public async Task Suspend_reactivate_and_archive_post_to_their_paths()
    {
        var handler = FakeHandler.Json("{\"success\":true,\"message\":\"ok\"}");
        using var router = TestRouter.Create(handler);

        await router.Client.Sandboxes.SuspendAsync("sb_1");
        await router.Client.Sandboxes.ReactivateAsync("sb_1");
        await router.Client.Sandboxes.ArchiveAsync("sb_1");

        Assert.All(handler.Requests, r => Assert.Equal(HttpMethod.Post, r.Method));
        Assert.Equal(["/suspend", "/reactivate", "/archive"], handler.Requests.Select(r => r.Uri.AbsolutePath["/api/v1/storage/sandboxes/sb_1".Length..]));
    }

    [Fact]
    public async Task Destroy_deletes_and_says_force_only_when_asked()
    {
        var handler = FakeHandler.Json("{\"success\":true}");
        using var router = TestRouter.Create(handler);

        await router.Client.Sandboxes.DestroyAsync("sb_1");
        await router.Client.Sandboxes.DestroyAsync("sb_1", force: true);

        Assert.All(handler.Requests, r => Assert.Equal(HttpMethod.Delete, r.Method));
        Assert.Equal(["", "?force=true"], handler.Requests.Select(r => r.Uri.Query));
    }
}
