using System.Net.Http.Json;
using Portage.Client.Tests.Fakes;
using Portage.Testing;

namespace Portage.Client.Tests;

/// <summary>
/// Issue 17, finding 3, in the SDK: the server answers a window's turns a page at a time; <c>GetTurnsAsync</c> still
/// returns them all (following the pages), and <c>GetTurnsPageAsync</c> / <c>EnumerateTurnsAsync</c> read them page by page.
/// </summary>
public sealed class TurnPagingTests
{
    [Fact]
    public async Task GetTurnsAsync_follows_the_pages_and_returns_every_turn_of_a_window_larger_than_a_page()
    {
        using var app = App();
        using var http = app.CreateClient();
        using var router = Router(app, http);
        // Ten turns of 900 KB: about 1.8 MB of JSON each, so a 4 MiB page holds two.
        var texts = Enumerable.Range(1, 10).Select(i => $"{i}:" + new string((char)('a' + i), 900_000)).ToList();
        var window = await WindowWithTurnsAsync(app, texts);

        var all = await router.Client.DataSources.GetTurnsAsync(app.SandboxId, window, "alice");

        Assert.Equal((10, 10, false, (long?)null), (all.Turns.Count, all.Count, all.HasMore, all.NextAfterSeq));
        Assert.Equal(texts, all.Turns.Select(t => t.Text));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), all.Turns.Select(t => t.Seq));
    }

    [Fact]
    public async Task Turns_are_read_a_page_at_a_time_or_enumerated_in_order()
    {
        using var app = App();
        using var http = app.CreateClient();
        using var router = Router(app, http);
        var texts = Enumerable.Range(1, 7).Select(i => $"turn {i}").ToList();
        var window = await WindowWithTurnsAsync(app, texts);
        var sources = router.Client.DataSources;

        var first = await sources.GetTurnsPageAsync(app.SandboxId, window, "alice", limit: 3);
        var second = await sources.GetTurnsPageAsync(app.SandboxId, window, "alice", first.NextAfterSeq!.Value, 3);
        var last = await sources.GetTurnsPageAsync(app.SandboxId, window, "alice", second.NextAfterSeq!.Value, 3);
        var enumerated = new List<string>();
        await foreach (var turn in sources.EnumerateTurnsAsync(app.SandboxId, window, "alice"))
        {
            enumerated.Add(turn.Text);
        }

        Assert.Equal((3, true, (long?)3), (first.Count, first.HasMore, first.NextAfterSeq));
        Assert.Equal((3, true, (long?)6), (second.Count, second.HasMore, second.NextAfterSeq));
        Assert.Equal((1, false, (long?)null), (last.Count, last.HasMore, last.NextAfterSeq));
        Assert.Equal(texts, first.Turns.Concat(second.Turns).Concat(last.Turns).Select(t => t.Text));
        Assert.Equal(texts, enumerated);
    }

    [Fact]
    public async Task A_turn_page_sends_after_seq_and_limit()
    {
        var handler = FakeHandler.Json("""{"context_window_id":"ds_w","end_user_id":null,"turns":[],"count":0,"has_more":false,"next_after_seq":null}""");
        using var router = TestRouter.Create(handler);

        await router.Client.DataSources.GetTurnsPageAsync("sb_test", "ds_w", "u-1", afterSeq: 40, limit: 20);

        Assert.Equal("/api/v1/storage/sandboxes/sb_test/sources/ds_w/turns?end_user_id=u-1&after_seq=40&limit=20", handler.Requests[0].Uri.PathAndQuery);
    }

    private static PortageApp App() => new(settings: new Dictionary<string, string?>
    {
        ["Ingest:Concurrency"] = "0",
        ["Server:MaxRequestBodyBytes"] = "4194304",
    });

    private static AgentRouter Router(PortageApp app, HttpClient http) => new(new AgentRouterOptions
    {
        ApiKey = app.Credentials.ApiKey,
        SandboxId = app.SandboxId,
        HttpClient = http,
    });

    // A window of alice's with one turn per text, appended by conversation ingests.
    private static async Task<string> WindowWithTurnsAsync(PortageApp app, IEnumerable<string> texts)
    {
        var http = app.Client;
        var sandbox = $"/api/v1/storage/sandboxes/{app.SandboxId}";
        using var created = await http.PostAsJsonAsync($"{sandbox}/sources", new { provider = "custom", kind = "ephemeral", end_user_id = "alice" });
        Assert.Equal(201, (int)created.StatusCode);
        var window = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("data_source_id").GetString()!;
        foreach (var text in texts)
        {
            using var ingested = await http.PostAsJsonAsync($"{sandbox}/ingest", new { text, source_type = "conversation", data_source_id = window, speaker = "User" });
            Assert.Equal(202, (int)ingested.StatusCode);
        }

        return window;
    }
}
