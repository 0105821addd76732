using Portage.Server.Tests.Retrieval;
using Portage.Testing;

namespace Portage.Server.Tests.Mcp;

/// <summary>Issue 17, finding 8: MCP <c>ingest</c> with <c>X-Portage-End-User-Id</c> belongs to that end user, as REST ingest with <c>end_user_id</c>.</summary>
public sealed class McpEndUserIngestTests
{
    [Fact]
    public async Task Content_ingested_for_an_end_user_is_found_by_that_end_user_only()
    {
        using var app = new PortageApp();
        await using var alice = await McpKit.ConnectAsync(app, endUserId: "alice");
        await using var bob = await McpKit.ConnectAsync(app, endUserId: "bob");
        await using var backend = await McpKit.ConnectAsync(app);
        var (path, text) = Knowledge.RateLimitNotes().First();

        var job = await alice.CallAsync("ingest", new() { ["content"] = $"[File: {path}]\n{text}", ["source_type"] = "markdown" });
        await Knowledge.WaitAsync(app, job.GetProperty("job_id").GetString()!);

        const string query = "rate limits token bucket";
        Assert.Single(McpKit.LeafIds(await alice.CallAsync("discover", new() { ["query"] = query })));
        Assert.Empty(McpKit.LeafIds(await bob.CallAsync("discover", new() { ["query"] = query })));
        Assert.Empty(McpKit.LeafIds(await backend.CallAsync("discover", new() { ["query"] = query })));
        var aliceSearch = await app.QueryAsync("search", new { query, end_user_id = "alice" });
        var bobSearch = await app.QueryAsync("search", new { query, end_user_id = "bob" });
        Assert.Contains("rate limit", aliceSearch.GetProperty("answer").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("token bucket", bobSearch.GetProperty("answer").GetString(), StringComparison.OrdinalIgnoreCase);
    }
}
