using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Retrieval;

/// <summary>
/// Issue 4, scope 8: each end user's conversation is retrievable memory for that end user only: their own later
/// windows find it; another end user, or a REST call naming no end user, never does.
/// </summary>
public sealed class ConversationMemoryTests
{
    private const string Secret = "My favourite cultivar is Honeycrisp Zeta and I grow it in block seven.";

    [Fact]
    public async Task An_end_users_conversation_is_found_by_them_and_by_nobody_else()
    {
        using var app = new PortageApp();
        await app.IngestAsync([("docs/cultivars.md", "# Cultivars\n\nOrchardly tracks the cultivar and rootstock of every block.")]);
        await app.RunAsync(Runs.Body(Secret, endUser: "alice"));

        var alice = await WaitForMemoryAsync(app, "alice");
        Assert.Contains(alice, i => i.GetProperty("canonical_ids")[0].GetString()!.StartsWith("conversation:", StringComparison.Ordinal));

        var bob = await app.QueryAsync("discover", new { query = "favourite cultivar Honeycrisp Zeta", end_user_id = "bob" });
        var anonymous = await app.QueryAsync("discover", new { query = "favourite cultivar Honeycrisp Zeta" });
        var bobSearch = await app.QueryAsync("search", new { query = "Which cultivar is my favourite?", end_user_id = "bob" });
        Assert.DoesNotContain(Items(bob), IsMemory);
        Assert.DoesNotContain(Items(anonymous), IsMemory);
        Assert.DoesNotContain("Honeycrisp", bobSearch.GetProperty("answer").GetString(), StringComparison.Ordinal);

        // Inside runs: Bob's agent searching never receives Alice's memory; Alice's agent, in a new window, does.
        var bobRun = await app.RunAsync(Runs.Body("/search favourite cultivar Honeycrisp Zeta", endUser: "bob"));
        Assert.DoesNotContain("Honeycrisp", ToolResult(bobRun), StringComparison.Ordinal);
        var aliceRun = await app.RunAsync(Runs.Body("/search favourite cultivar Honeycrisp Zeta", endUser: "alice", newWindow: true));
        Assert.Contains("Honeycrisp Zeta", ToolResult(aliceRun), StringComparison.Ordinal);
    }

    private static async Task<List<JsonElement>> WaitForMemoryAsync(PortageApp app, string endUser)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var found = Items(await app.QueryAsync("discover", new { query = "favourite cultivar Honeycrisp Zeta", end_user_id = endUser }));
            if (found.Any(IsMemory))
            {
                return found;
            }

            await Task.Delay(25);
        }

        Assert.Fail("the conversation was never indexed as memory");
        return [];
    }

    private static List<JsonElement> Items(JsonElement discover) => [.. discover.GetProperty("items").EnumerateArray()];

    private static bool IsMemory(JsonElement item) => item.GetProperty("canonical_ids")[0].GetString()!.StartsWith("conversation:", StringComparison.Ordinal);

    private static string ToolResult(RunResult run) => run.Frames.Single(f => f.Event == "agent_tool_result").Json.GetProperty("result").ToString();
}
