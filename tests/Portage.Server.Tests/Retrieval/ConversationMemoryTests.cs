using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portage.Core.Ingest;
using Portage.Core.Retrieval;
using Portage.Core.Runs;
using Portage.Server.Tests.Ingest;
using Portage.Testing;
using Portage.Testing.Fakes;

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

    [Fact]
    public async Task A_runs_messages_and_answer_are_indexed_by_one_job_and_each_turn_is_found_by_its_end_user_only()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Ingest:Concurrency"] = "0" });
        var body = Runs.Body("unused", endUser: "alice");
        body["messages"] = new[]
        {
            new { role = "user", content = "The kumquat tree stands by the gate." },
            new { role = "user", content = "The tamarind grows in the greenhouse." },
            new { role = "user", content = "Where should the loquat go?" },
        };
        Assert.True((await app.RunAsync(body)).Finished);

        // The worker is off: count the jobs the run queued by claiming them by hand.
        var worker = app.Get<IngestWorker>();
        var claims = 0;
        while (claims < 10 && await worker.RunOnceAsync(CancellationToken.None))
        {
            claims++;
        }

        Assert.Equal(1, claims);
        var hits = new List<ChunkHit>();
        foreach (var (word, message) in new[] { ("kumquat", "The kumquat tree stands by the gate."), ("tamarind", "The tamarind grows in the greenhouse."), ("loquat", "Where should the loquat go?") })
        {
            var found = await IngestEndpointTests.Search(app, word, "alice");
            hits.Add(Assert.Single(found, h => h.Chunk.Content == message));
            Assert.Empty(await IngestEndpointTests.Search(app, word, "bob"));
            Assert.Empty(await IngestEndpointTests.Search(app, word));
        }

        // The echo model's answer ("… This is the start of our conversation.") is its own chunk, under its speaker.
        var answer = Assert.Single(await IngestEndpointTests.Search(app, "start", "alice"));
        Assert.Empty(await IngestEndpointTests.Search(app, "start", "bob"));
        Assert.All(hits, h => Assert.Equal("conversation › User", h.Chunk.Breadcrumb));
        Assert.Equal("conversation › echo/echo-1", answer.Chunk.Breadcrumb);
        Assert.All([.. hits, answer], h => Assert.Equal(("alice", "conversation", answer.Chunk.JobId), (h.Chunk.EndUserId, h.Chunk.SourceType, h.Chunk.JobId)));
    }

    [Fact]
    public async Task A_run_whose_end_could_not_be_stored_at_first_is_retried_and_its_memory_is_queued_with_it()
    {
        // The memory job is part of the run's end transaction: no separate write that could fail on its own.
        var refusals = 2;
        var ends = 0;
        using var app = new PortageApp(services: s => StoreInterceptor.Replace<IRunStore>(s, call =>
        {
            if (call.Method != nameof(IRunStore.EndRunAsync))
            {
                return call.Proceed();
            }

            Interlocked.Increment(ref ends);
            return Interlocked.Decrement(ref refusals) >= 0 ? Task.FromException(new InvalidOperationException("SQLite Error 5: 'database is locked'.")) : call.Proceed();
        }));

        var run = await app.RunAsync(Runs.Body(Secret, endUser: "alice"));
        Assert.True(run.Finished);

        var index = app.Services.GetRequiredService<IContentIndex>();
        IReadOnlyList<ChunkHit> found = [];
        for (var attempt = 0; attempt < 200 && found.Count == 0; attempt++)
        {
            await Task.Delay(25);
            found = await index.SearchAsync(new ContentQuery(app.SandboxId, "Honeycrisp", null, "alice", new HashSet<string>(), 10), CancellationToken.None);
        }

        Assert.Equal(3, Volatile.Read(ref ends));
        Assert.Contains(found, hit => hit.Chunk.Content.Contains("Honeycrisp Zeta", StringComparison.Ordinal));
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
