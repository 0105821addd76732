using System.Net.Http.Json;
using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Retrieval;

/// <summary>
/// Issue 4, scope 5: what the agent already has is never delivered again. Through runs the window's delivery ledger
/// walks a repeated discover down the ranking (A–E, then F–J, then the rest, then nothing), across a provider switch;
/// through REST the history does the same, and without history retrieval is plain.
/// </summary>
public sealed class WindowAwareRetrievalTests
{
    private static readonly Dictionary<string, string?> NoPrefetch = new() { ["Retrieval:Prefetch"] = "false" };

    [Fact]
    public async Task Repeated_discover_in_one_window_walks_down_the_ranking_until_the_topic_is_exhausted()
    {
        using var app = new PortageApp(settings: NoPrefetch);
        await app.IngestAsync(Knowledge.RateLimitNotes());

        var seen = new List<List<string>>();
        string? session = null;
        for (var turn = 0; turn < 4; turn++)
        {
            var run = await app.RunAsync(Runs.Body("/discover rate limits", session: session));
            session = run.SessionId;
            var result = run.Frames.Single(f => f.Event == "agent_tool_result").Json.GetProperty("result");
            seen.Add([.. result.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("canonical_ids").EnumerateArray().Last().GetString()!)]);
        }

        Assert.Equal([5, 5, 2, 0], seen.Select(s => s.Count));
        Assert.Equal(12, seen.SelectMany(s => s).Distinct().Count());
    }

    [Fact]
    public async Task The_ledger_belongs_to_the_window_so_a_provider_switch_still_gets_new_items()
    {
        using var app = new PortageApp(settings: NoPrefetch);
        await app.IngestAsync(Knowledge.RateLimitNotes());

        var first = await app.RunAsync(Runs.Body("/discover rate limits"));
        var second = await app.RunAsync(Runs.Body("/discover rate limits", provider: "mirror"));

        Assert.Equal(first.WindowId, second.WindowId);
        Assert.NotEqual(first.SessionId, second.SessionId);
        var a = ItemsOf(first);
        var b = ItemsOf(second);
        Assert.Equal(5, a.Count);
        Assert.Equal(5, b.Count);
        Assert.Empty(a.Intersect(b));
    }

    [Fact]
    public async Task A_new_window_starts_again_from_the_top()
    {
        using var app = new PortageApp(settings: NoPrefetch);
        await app.IngestAsync(Knowledge.RateLimitNotes());

        var first = await app.RunAsync(Runs.Body("/discover rate limits"));
        var fresh = await app.RunAsync(Runs.Body("/discover rate limits", newWindow: true));

        // The first window's conversation is memory now and may rank too; the ingested items start from the top again.
        var ingested = ItemsOf(fresh).Where(id => !ConversationIds(fresh).Contains(id)).ToList();
        Assert.NotEmpty(ingested);
        Assert.Equal(ItemsOf(first).Take(ingested.Count), ingested);
    }

    [Fact]
    public async Task Rest_discover_with_history_excludes_what_the_history_holds_and_returns_the_next_layer()
    {
        using var app = new PortageApp();
        await app.IngestAsync(Knowledge.RateLimitNotes());

        var plain = await app.QueryAsync("discover", new { query = "rate limits" });
        var again = await app.QueryAsync("discover", new { query = "rate limits", history = Array.Empty<object>() });
        Assert.Equal(Knowledge.LeafIds(plain), Knowledge.LeafIds(again));

        // The agent was shown the first menu: its tool result (with canonical ids) is in the history.
        var history = new[] { new { role = "user", content = "What about rate limits?" }, new { role = "assistant", content = plain.ToString() } };
        var next = await app.QueryAsync("discover", new { query = "rate limits", history });

        Assert.Equal(5, Knowledge.LeafIds(next).Count);
        Assert.Empty(Knowledge.LeafIds(plain).Intersect(Knowledge.LeafIds(next)));
    }

    [Fact]
    public async Task Content_already_quoted_in_the_history_is_excluded_even_without_its_id()
    {
        using var app = new PortageApp();
        await app.IngestAsync(Knowledge.RateLimitNotes());
        var plain = await app.QueryAsync("discover", new { query = "rate limits" });
        var top = Knowledge.LeafIds(plain)[0];
        var origin = await app.QueryAsync("origins", new { canonical_ids = new[] { top } });
        var file = origin.GetProperty("origins")[0].GetProperty("files")[0].GetProperty("file_path").GetString()!;
        var text = Knowledge.RateLimitNotes().Single(n => n.Path == file).Text.Split("\n\n")[1];

        var next = await app.QueryAsync("discover", new { query = "rate limits", history = new[] { new { role = "assistant", content = "I read: " + text } } });

        Assert.DoesNotContain(top, Knowledge.LeafIds(next));
        Assert.Equal(5, Knowledge.LeafIds(next).Count);
    }

    [Fact]
    public async Task Search_answers_extractively_with_citations_when_no_provider_is_configured()
    {
        using var app = new PortageApp();
        await app.IngestAsync(Knowledge.RateLimitNotes());

        var search = await app.QueryAsync("search", new { query = "How long does a rate limit window last?" });

        Assert.Equal("extractive", search.GetProperty("synthesis").GetString());
        Assert.Contains("rate limit window lasts", search.GetProperty("answer").GetString(), StringComparison.Ordinal);
        Assert.NotEmpty(search.GetProperty("citations").EnumerateArray());
        Assert.All(search.GetProperty("citations").EnumerateArray(), c => Assert.StartsWith("chunk:", c.GetProperty("canonical_id").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Interpret_briefs_the_chosen_items_and_echoes_them()
    {
        using var app = new PortageApp();
        await app.IngestAsync(Knowledge.RateLimitNotes());
        var plain = await app.QueryAsync("discover", new { query = "rate limits" });
        var tuple = plain.GetProperty("items")[0].GetProperty("canonical_ids").EnumerateArray().Select(c => c.GetString()).ToArray();

        var brief = await app.QueryAsync("interpret", new { query = "token bucket", items = new[] { tuple } });

        Assert.Equal(tuple, brief.GetProperty("items")[0].EnumerateArray().Select(c => c.GetString()));
        Assert.Contains(tuple[^1], brief.GetProperty("citations").EnumerateArray().Select(c => c.GetProperty("canonical_id").GetString()));
        Assert.Contains("token bucket", brief.GetProperty("brief").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("discover", """{"query":""}""", "invalid_query")]
    [InlineData("interpret", """{"query":"x"}""", "invalid_items")]
    [InlineData("search", """{"query":"x","detail_level":"verbose"}""", "invalid_detail_level")]
    [InlineData("origins", """{"canonical_ids":[]}""", "invalid_canonical_ids")]
    public async Task Bad_retrieval_requests_are_400s_that_say_what_to_send(string call, string body, string error)
    {
        using var app = new PortageApp();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await app.Client.PostAsync($"/api/v1/query/sandboxes/{app.SandboxId}/{call}", content);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(error, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Another_sandbox_is_404()
    {
        using var app = new PortageApp();

        using var response = await app.Client.PostAsJsonAsync("/api/v1/query/sandboxes/sb_nope/discover", new { query = "x" });

        Assert.Equal(404, (int)response.StatusCode);
    }

    private static HashSet<string> ConversationIds(RunResult run) =>
        [.. run.Frames.Single(f => f.Event == "agent_tool_result").Json.GetProperty("result").GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("canonical_ids")[0].GetString()!.StartsWith("conversation:", StringComparison.Ordinal))
            .Select(i => i.GetProperty("canonical_ids").EnumerateArray().Last().GetString()!)];

    private static List<string> ItemsOf(RunResult run) =>
        [.. run.Frames.Single(f => f.Event == "agent_tool_result").Json.GetProperty("result").GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("canonical_ids").EnumerateArray().Last().GetString()!)];
}
