using System.Net.Http.Json;
using System.Text.Json;
using Portage.Server.Tests.Retrieval;
using Portage.Testing;

namespace Portage.Server.Tests.Sources;

/// <summary>
/// Issue 17, finding 3, for the other lists that grow with a tenant's data: sources (windows), a window's delivery
/// ledger, end users and usage groups answer a page at a time (<c>limit</c> 1–500, default 100; <c>next_cursor</c>
/// passed back as <c>cursor</c>), and the pages together hold every item once, in the list's order.
/// </summary>
public sealed class ListPagingTests
{
    [Fact]
    public async Task Sources_come_a_page_at_a_time_and_the_pages_hold_every_window_once_in_order()
    {
        using var app = new PortageApp();
        for (var i = 0; i < 7; i++)
        {
            await app.RegisterAsync("""{"provider":"custom","kind":"ephemeral","end_user_id":"alice"}""");
        }

        var pages = await PagesAsync(app, app.SourcesPath() + "?kind=ephemeral&end_user_id=alice&limit=3");
        var whole = await PagesAsync(app, app.SourcesPath() + "?kind=ephemeral&end_user_id=alice&limit=500");

        Assert.Equal([3, 3, 1], pages.Select(p => Items(p, "sources").Count));
        Assert.Equal(pages.Select(p => Items(p, "sources").Count), pages.Select(p => p.GetProperty("count").GetInt32()));
        Assert.Equal(Ids(whole, "sources", "data_source_id"), Ids(pages, "sources", "data_source_id"));
        Assert.Equal(7, Ids(pages, "sources", "data_source_id").Distinct().Count());
    }

    [Fact]
    public async Task The_delivery_ledger_comes_a_page_at_a_time_oldest_first()
    {
        using var app = new PortageApp();
        await app.IngestAsync(Knowledge.RateLimitNotes());
        var first = await app.RunAsync(Runs.Body("/search rate limits"));
        await app.RunAsync(Runs.Body("/search rate limits", session: first.SessionId));

        var pages = await PagesAsync(app, app.SourcePath(first.WindowId, "deliveries") + "?end_user_id=u-123&limit=5");
        var whole = await PagesAsync(app, app.SourcePath(first.WindowId, "deliveries") + "?limit=500");

        Assert.Equal([5, 5, 5, 2], pages.Select(p => Items(p, "deliveries").Count));
        Assert.Single(whole);
        Assert.Equal(Entries(whole), Entries(pages));
        Assert.All(pages, p => Assert.Equal(first.WindowId, p.Str("context_window_id")));
    }

    [Fact]
    public async Task End_users_come_a_page_at_a_time_and_the_pages_hold_each_once()
    {
        using var app = new PortageApp();
        foreach (var user in new[] { "u-1", "u-2", "u-3", "u-4", "u-5" })
        {
            await app.RegisterAsync($$"""{"provider":"custom","kind":"ephemeral","end_user_id":"{{user}}"}""");
        }

        var pages = await PagesAsync(app, $"/api/v1/storage/sandboxes/{app.SandboxId}/end-users?limit=2");
        var whole = await PagesAsync(app, $"/api/v1/storage/sandboxes/{app.SandboxId}/end-users?limit=500");

        Assert.Equal([2, 2, 1], pages.Select(p => Items(p, "end_users").Count));
        Assert.Equal(Ids(whole, "end_users", "end_user_id"), Ids(pages, "end_users", "end_user_id"));
        Assert.Equal(["u-1", "u-2", "u-3", "u-4", "u-5"], Ids(pages, "end_users", "end_user_id").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Usage_groups_come_a_page_at_a_time_and_every_page_carries_the_whole_totals()
    {
        using var app = new PortageApp();
        foreach (var user in new[] { "u-a", "u-b", "u-c" })
        {
            await app.RunAsync(Runs.Body("hello", user));
        }

        var pages = await PagesAsync(app, $"/api/v1/usage?sandbox_id={app.SandboxId}&group_by=end_user&limit=2");

        Assert.Equal([["u-a", "u-b"], ["u-c"]], pages.Select(p => Items(p, "groups").Select(g => g.Str("key")).ToArray()));
        Assert.All(pages, p => Assert.Equal(3, p.GetProperty("runs").GetInt64()));
        Assert.Equal(pages[0].GetProperty("total_tokens").GetInt64(), pages.SelectMany(p => Items(p, "groups")).Sum(g => g.GetProperty("total_tokens").GetInt64()));
    }

    [Theory]
    [InlineData("sources?limit=0", "invalid_limit")]
    [InlineData("sources?limit=501", "invalid_limit")]
    [InlineData("sources?cursor=not-a-cursor", "invalid_cursor")]
    [InlineData("end-users?limit=x", "invalid_limit")]
    [InlineData("end-users?cursor=%21%21", "invalid_cursor")]
    [InlineData("WINDOW/deliveries?limit=600", "invalid_limit")]
    [InlineData("WINDOW/deliveries?cursor=MTIzOg", "invalid_cursor")]
    public async Task Limit_and_cursor_out_of_range_are_400_with_what_to_send(string path, string error)
    {
        using var app = new PortageApp();
        var window = (await app.RegisterAsync("""{"provider":"custom","kind":"ephemeral","end_user_id":"alice"}""")).Id();
        var url = path.StartsWith("WINDOW", StringComparison.Ordinal)
            ? app.SourcePath(window) + path["WINDOW".Length..]
            : $"/api/v1/storage/sandboxes/{app.SandboxId}/{path}";

        var (status, json) = await app.GetJsonAsync(url);

        Assert.Equal((400, error), (status, json.Str("error")));
        Assert.Contains(error == "invalid_limit" ? "1 to 500 (default 100)" : "next_cursor", json.Str("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_limit_and_cursor_out_of_range_are_400()
    {
        using var app = new PortageApp();

        Assert.Equal((400, "invalid_limit"), (await app.GetJsonAsync("/api/v1/usage?limit=0")).Error());
        Assert.Equal((400, "invalid_cursor"), (await app.GetJsonAsync("/api/v1/usage?group_by=day&cursor=%%")).Error());
    }

    [Fact]
    public async Task Interpret_takes_at_most_100_items_so_one_request_cannot_pull_in_the_whole_index()
    {
        using var app = new PortageApp();
        var items = Enumerable.Range(0, 101).Select(i => new[] { $"chunk:{i}" }).ToArray();
        var path = $"/api/v1/query/sandboxes/{app.SandboxId}/interpret";

        using var tooMany = await app.Client.PostAsJsonAsync(path, new { query = "rate limits", items });
        using var enough = await app.Client.PostAsJsonAsync(path, new { query = "rate limits", items = items[..100] });

        var error = await tooMany.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((400, "invalid_items"), ((int)tooMany.StatusCode, error.Str("error")));
        Assert.Contains("1–100", error.Str("detail"), StringComparison.Ordinal);
        Assert.Equal(200, (int)enough.StatusCode);
    }

    // Follows next_cursor from the first page to the last.
    private static async Task<List<JsonElement>> PagesAsync(PortageApp app, string path)
    {
        var pages = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var (status, page) = await app.GetJsonAsync(path + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            Assert.True(status == 200, $"{status}: {page}");
            pages.Add(page);
            Assert.True(page.TryGetProperty("next_cursor", out var next), $"no next_cursor in {page}");
            cursor = next.GetString();
            Assert.True(pages.Count <= 20, "the pages never end");
        }
        while (cursor is not null);

        return pages;
    }

    private static List<JsonElement> Items(JsonElement page, string list) => [.. page.GetProperty(list).EnumerateArray()];

    private static List<string> Ids(IEnumerable<JsonElement> pages, string list, string id) =>
        [.. pages.SelectMany(p => Items(p, list)).Select(e => e.Str(id))];

    private static List<string> Entries(IEnumerable<JsonElement> pages) =>
        [.. pages.SelectMany(p => Items(p, "deliveries")).Select(e => $"{e.Str("canonical_id")} {e.Str("kind")} {e.Str("run_id")}")];
}
