using System.Text;
using System.Text.Json;
using Portage.Server.Tests.Ingest;
using Portage.Testing;

namespace Portage.Server.Tests.Sources;

/// <summary>
/// Issue 17, finding 3: <c>GET …/sources/{id}/turns</c> answers one bounded page at a time (<c>limit</c>, default 100,
/// at most 500; at most 4 MiB of turn JSON, but always one turn), and <c>next_after_seq</c> / <c>has_more</c> lead through
/// the rest, so a window of any length or turn size is read whole without the server holding it whole.
/// </summary>
public sealed class TurnPagingTests
{
    private const int PageBytes = 4 * 1024 * 1024;

    [Fact]
    public async Task A_long_window_comes_back_in_pages_that_hold_every_turn_once_and_in_order()
    {
        using var app = App();
        var window = await WindowAsync(app);
        for (var i = 1; i <= 230; i++)
        {
            await app.IngestAsync(new { text = $"turn {i}", source_type = "conversation", data_source_id = window, speaker = i % 2 == 1 ? "User" : "Assistant" });
        }

        var first = await PageAsync(app, window, "");
        Assert.Equal((100, 100, true, 100L), (first.Turns.Count, first.Count, first.HasMore, first.NextAfterSeq));
        Assert.Equal(("ds", "alice"), (first.Json.Str("context_window_id")[..2], first.Json.Str("end_user_id")));

        var pages = await ReadAllAsync(app, window, limit: 60);

        Assert.Equal([60, 60, 60, 50], pages.Select(p => p.Turns.Count));
        var turns = pages.SelectMany(p => p.Turns).ToList();
        Assert.Equal(Enumerable.Range(1, 230).Select(i => (long)i), turns.Select(t => t.GetProperty("seq").GetInt64()));
        Assert.Equal(Enumerable.Range(1, 230).Select(i => $"turn {i}"), turns.Select(t => t.Str("text")));
        Assert.Equal([60L, 120L, 180L], pages.SkipLast(1).Select(p => p.NextAfterSeq!.Value));
        Assert.Equal((false, (long?)null), (pages[^1].HasMore, pages[^1].NextAfterSeq));
    }

    [Fact]
    public async Task A_window_of_very_large_turns_comes_back_in_pages_bounded_in_bytes_with_each_turn_whole()
    {
        using var app = App();
        var window = await WindowAsync(app);
        // 1.5 MB turns (two fit no page together), one turn larger than a page on its own, and small ones between.
        int[] sizes = [10, 1_500_000, 1_500_000, 10, 5_000_000, 10, 700_000, 700_000, 10];
        var texts = sizes.Select((size, i) => $"#{i + 1} " + new string((char)('a' + i), size)).ToList();
        foreach (var text in texts)
        {
            await app.IngestAsync(new { text, source_type = "conversation", data_source_id = window, speaker = "User" });
        }

        var pages = await ReadAllAsync(app, window, limit: 500);

        Assert.True(pages.Count >= 4, $"{pages.Count} pages");
        foreach (var page in pages)
        {
            Assert.True(page.Bytes <= PageBytes || page.Turns.Count == 1, $"a page of {page.Turns.Count} turns is {page.Bytes} bytes");
        }

        var turns = pages.SelectMany(p => p.Turns).ToList();
        Assert.Equal(Enumerable.Range(1, sizes.Length).Select(i => (long)i), turns.Select(t => t.GetProperty("seq").GetInt64()));
        Assert.Equal(texts, turns.Select(t => t.Str("text")));
        Assert.Equal(texts, turns.Select(t => t.GetProperty("parts")[0].Str("text")));
    }

    [Theory]
    [InlineData("?limit=0", 400, "invalid_limit")]
    [InlineData("?limit=501", 400, "invalid_limit")]
    [InlineData("?limit=ten", 400, "invalid_limit")]
    [InlineData("?limit=-1", 400, "invalid_limit")]
    [InlineData("?after_seq=-1", 400, "invalid_after_seq")]
    [InlineData("?after_seq=one", 400, "invalid_after_seq")]
    public async Task Limit_and_after_seq_out_of_range_are_400_with_what_to_send(string query, int status, string error)
    {
        using var app = App();
        var window = await WindowAsync(app);

        var (code, json) = await app.GetJsonAsync(app.SourcePath(window, "turns") + query);

        Assert.Equal((status, error), (code, json.Str("error")));
        Assert.Contains(error == "invalid_limit" ? "1 to 500 (default 100)" : "a turn's seq", json.Str("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_the_last_turn_the_page_is_empty_and_says_there_is_no_more()
    {
        using var app = App();
        var window = await WindowAsync(app);
        await app.IngestAsync(new { text = "only", source_type = "conversation", data_source_id = window, speaker = "User" });

        var page = await PageAsync(app, window, "?after_seq=1&limit=1");
        var exact = await PageAsync(app, window, "?limit=1");

        Assert.Equal((0, false, (long?)null), (page.Turns.Count, page.HasMore, page.NextAfterSeq));
        Assert.Equal((1, false, (long?)null), (exact.Turns.Count, exact.HasMore, exact.NextAfterSeq));
    }

    // No indexing: the ingests only append turns, and the test reads them.
    private static PortageApp App() => new(settings: new Dictionary<string, string?>
    {
        ["Ingest:Concurrency"] = "0",
        ["Server:MaxRequestBodyBytes"] = "16777216",
    });

    private static async Task<string> WindowAsync(PortageApp app) =>
        (await app.RegisterAsync("""{"provider":"custom","name":"long","kind":"ephemeral","end_user_id":"alice"}""")).Id();

    private static async Task<List<Page>> ReadAllAsync(PortageApp app, string window, int limit)
    {
        var pages = new List<Page>();
        long? after = 0;
        while (after is not null)
        {
            var page = await PageAsync(app, window, $"?end_user_id=alice&limit={limit}&after_seq={after}");
            Assert.Equal(page.HasMore, page.NextAfterSeq is not null);
            if (page.HasMore)
            {
                Assert.Equal(page.Turns[^1].GetProperty("seq").GetInt64(), page.NextAfterSeq);
            }

            pages.Add(page);
            Assert.True(pages.Count <= 100, "the pages never end");
            after = page.NextAfterSeq;
        }

        return pages;
    }

    private static async Task<Page> PageAsync(PortageApp app, string window, string query)
    {
        using var response = await app.Client.GetAsync(app.SourcePath(window, "turns") + query);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {Encoding.UTF8.GetString(body[..Math.Min(body.Length, 300)])}");
        var json = JsonDocument.Parse(body).RootElement.Clone();
        var next = json.TryGetProperty("next_after_seq", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt64() : (long?)null;
        var hasMore = json.TryGetProperty("has_more", out var m) ? m.GetBoolean() : throw new Xunit.Sdk.XunitException($"no has_more in a {body.Length}-byte answer");
        return new Page(json, [.. json.GetProperty("turns").EnumerateArray()], json.GetProperty("count").GetInt32(), hasMore, next, body.Length);
    }

    private sealed record Page(JsonElement Json, List<JsonElement> Turns, int Count, bool HasMore, long? NextAfterSeq, int Bytes);
}
