using Portage.Client.Tests.Fakes;

namespace Portage.Client.Tests;

/// <summary>
/// Issue 17, finding 3, in the SDK: the server answers sources, a window's ledger, end users and usage groups a page at
/// a time; the methods that returned the whole list before follow <c>next_cursor</c> and still return all of it.
/// </summary>
public sealed class ListPagingTests
{
    [Fact]
    public async Task ListAsync_follows_the_cursor_and_returns_every_source()
    {
        var handler = Pages(
            """{"sources":[{"data_source_id":"ds_1","user_id":"a","sandbox_id":"sb_test","provider":"custom","name":"w1","status":"active","kind":"ephemeral"}],"count":1,"next_cursor":"c1"}""",
            """{"sources":[{"data_source_id":"ds_2","user_id":"a","sandbox_id":"sb_test","provider":"custom","name":"w2","status":"active","kind":"ephemeral"}],"count":1,"next_cursor":null}""");
        using var router = TestRouter.Create(handler);

        var list = await router.Client.DataSources.ListAsync("sb_test", kind: "ephemeral");

        Assert.Equal(["ds_1", "ds_2"], list.Sources.Select(s => s.DataSourceId));
        Assert.Equal((2, (string?)null), (list.Count, list.NextCursor));
        Assert.Equal(["?kind=ephemeral", "?kind=ephemeral&cursor=c1"], handler.Requests.Select(r => r.Uri.Query));
    }

    [Fact]
    public async Task GetDeliveriesAsync_follows_the_cursor_and_returns_the_whole_ledger()
    {
        var handler = Pages(
            """{"context_window_id":"ds_w","end_user_id":"u","deliveries":[{"canonical_id":"chunk:a","kind":"menu","delivered_at":"2026-01-01T00:00:00Z"}],"count":1,"next_cursor":"c1"}""",
            """{"context_window_id":"ds_w","end_user_id":"u","deliveries":[{"canonical_id":"chunk:b","kind":"content","delivered_at":"2026-01-01T00:00:01Z"}],"count":1,"next_cursor":null}""");
        using var router = TestRouter.Create(handler);

        var ledger = await router.Client.DataSources.GetDeliveriesAsync("sb_test", "ds_w", "u");

        Assert.Equal(["chunk:a", "chunk:b"], ledger.Deliveries.Select(d => d.CanonicalId));
        Assert.Equal(2, ledger.Count);
        Assert.Equal(["?end_user_id=u", "?end_user_id=u&cursor=c1"], handler.Requests.Select(r => r.Uri.Query));
    }

    [Fact]
    public async Task ListEndUsersAsync_follows_the_cursor_and_returns_every_end_user()
    {
        var handler = Pages(
            """{"end_users":[{"end_user_id":"u-1","window_count":1,"run_count":0}],"count":1,"next_cursor":"c1"}""",
            """{"end_users":[{"end_user_id":"u-2","window_count":1,"run_count":0}],"count":1,"next_cursor":null}""");
        using var router = TestRouter.Create(handler);

        var users = await router.Client.Runs.ListEndUsersAsync("sb_test");

        Assert.Equal(["u-1", "u-2"], users.EndUsers.Select(u => u.EndUserId));
        Assert.Equal(2, users.Count);
        Assert.Equal(["", "?cursor=c1"], handler.Requests.Select(r => r.Uri.Query));
    }

    [Fact]
    public async Task Usage_GetAsync_follows_the_cursor_and_returns_every_group()
    {
        const string Totals = "\"from\":\"2026-01-01\",\"to\":\"2026-01-30\",\"group_by\":\"end_user\",\"runs\":3,\"summary\":{\"total_calls\":3}";
        var handler = Pages(
            $$"""{{{Totals}},"groups":[{"key":"u-a","runs":2}],"next_cursor":"c1"}""",
            $$"""{{{Totals}},"groups":[{"key":"u-b","runs":1}],"next_cursor":null}""");
        using var router = TestRouter.Create(handler);

        var usage = await router.Client.Usage.GetAsync(groupBy: "end_user");

        Assert.Equal(["u-a", "u-b"], usage.Groups.Select(g => g.Key));
        Assert.Equal((3L, (string?)null), (usage.Runs, usage.NextCursor));
        Assert.Equal(["?group_by=end_user", "?group_by=end_user&cursor=c1"], handler.Requests.Select(r => r.Uri.Query));
    }

    [Fact]
    public async Task A_page_method_sends_limit_and_cursor()
    {
        var handler = FakeHandler.Json("""{"sources":[],"count":0,"next_cursor":null}""");
        using var router = TestRouter.Create(handler);

        await router.Client.DataSources.ListPageAsync("sb_test", kind: "ephemeral", limit: 20, cursor: "abc");

        Assert.Equal("?kind=ephemeral&limit=20&cursor=abc", handler.Requests[0].Uri.Query);
    }

    // Answers the bodies in order, one per request.
    private static FakeHandler Pages(params string[] bodies) => new() { Respond = (_, n) => FakeHandler.JsonResponse(bodies[n - 1]) };
}
