using System.Text.Json;
using Portage.Server.Tests.Sources;
using Portage.Testing;

namespace Portage.Server.Tests.Retrieval;

/// <summary>
/// <c>GET …/sources/{id}/deliveries</c>: a window's delivery ledger (what retrieval already gave its agent), menu
/// labels apart from content, each with its run, source and time; read with the same rules as <c>/turns</c>.
/// </summary>
public sealed class DeliveryLedgerApiTests
{
    [Fact]
    public async Task The_ledger_lists_prefetched_menu_labels_and_searched_content_apart_with_run_source_and_time()
    {
        using var app = new PortageApp();
        await app.IngestAsync(Knowledge.RateLimitNotes());

        // A new session: the prefetch shows a discover menu, then the offline model calls search (content).
        var first = await app.RunAsync(Runs.Body("/search rate limits"));
        var afterFirst = await LedgerAsync(app, first.WindowId);
        var second = await app.RunAsync(Runs.Body("/search rate limits", session: first.SessionId));
        var ledger = await LedgerAsync(app, first.WindowId, "u-123");

        Assert.Equal((first.WindowId, "u-123"), (ledger.Str("context_window_id"), ledger.Str("end_user_id")));
        var entries = ledger.GetProperty("deliveries").EnumerateArray().ToList();
        Assert.Equal(entries.Count, ledger.GetProperty("count").GetInt32());
        var menu = entries.Where(e => e.Str("kind") == "menu").ToList();
        var content = entries.Where(e => e.Str("kind") == "content").ToList();
        Assert.Equal(entries.Count, menu.Count + content.Count);
        Assert.Equal(5, menu.Count);
        Assert.All(menu, e => Assert.Equal(first.RunId, e.Str("run_id")));
        Assert.Equal(12, content.Count);
        Assert.Equal(12, content.Select(e => e.Str("canonical_id")).Distinct().Count());
        Assert.Equal([first.RunId, second.RunId], content.Select(e => e.Str("run_id")).Distinct());
        Assert.All(entries, e =>
        {
            Assert.StartsWith("chunk:", e.Str("canonical_id"), StringComparison.Ordinal);
            Assert.StartsWith("docs/rate-limits-", e.Str("file_path"), StringComparison.Ordinal);
            Assert.Contains("Rate limits part", e.Str("summary"), StringComparison.Ordinal);
            Assert.Equal("markdown", e.Str("source_type"));
        });
        var times = entries.Select(e => e.GetProperty("delivered_at").GetDateTimeOffset()).ToList();
        Assert.Equal(times.Order(), times);
        Assert.Equal(afterFirst.GetProperty("deliveries").EnumerateArray().Select(e => e.Str("canonical_id") + e.Str("kind")),
            entries.Where(e => e.Str("run_id") == first.RunId).Select(e => e.Str("canonical_id") + e.Str("kind")));
    }

    [Fact]
    public async Task A_window_without_retrieval_has_an_empty_ledger()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("hello"));

        var ledger = await LedgerAsync(app, run.WindowId);

        Assert.Equal(0, ledger.GetProperty("count").GetInt32());
        Assert.Empty(ledger.GetProperty("deliveries").EnumerateArray());
    }

    [Fact]
    public async Task Another_end_users_window_a_missing_one_and_a_durable_source_answer_as_on_turns()
    {
        using var app = new PortageApp();
        var alice = await app.RunAsync(Runs.Body("secret plan", "alice"));
        var durable = (await app.RegisterAsync("""{"provider":"github","name":"repo"}""")).Id();

        var bob = await app.GetJsonAsync(app.SourcePath(alice.WindowId, "deliveries") + "?end_user_id=bob");
        var missing = await app.GetJsonAsync(app.SourcePath("ds_missing", "deliveries") + "?end_user_id=bob");
        var notWindow = await app.GetJsonAsync(app.SourcePath(durable, "deliveries"));
        var badUser = await app.GetJsonAsync(app.SourcePath(alice.WindowId, "deliveries") + "?end_user_id=no%20spaces");

        Assert.Equal((404, "source_not_found"), bob.Error());
        Assert.Equal(missing.Json.Str("detail").Replace("ds_missing", alice.WindowId, StringComparison.Ordinal), bob.Json.Str("detail"));
        Assert.Equal((400, "not_a_context_window"), notWindow.Error());
        Assert.Contains("delivery ledger", notWindow.Json.Str("detail"), StringComparison.Ordinal);
        Assert.Equal((400, "invalid_end_user_id"), badUser.Error());
        Assert.Equal(200, (await app.GetJsonAsync(app.SourcePath(alice.WindowId, "deliveries") + "?end_user_id=alice")).Status);
    }

    private static async Task<JsonElement> LedgerAsync(PortageApp app, string windowId, string? endUser = null)
    {
        var (status, json) = await app.GetJsonAsync(app.SourcePath(windowId, "deliveries") + (endUser is null ? "" : $"?end_user_id={endUser}"));
        Assert.True(status == 200, $"deliveries answered {status}: {json}");
        return json;
    }
}
