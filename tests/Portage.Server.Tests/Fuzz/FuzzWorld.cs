using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Server.Tests.Console;
using Portage.Testing;

namespace Portage.Server.Tests.Fuzz;

/// <summary>
/// What the hostile requests aim at: two accounts (A: the development account; B: another) with a sandbox each and two
/// end users each. Every piece of their data — window turns, source names, ingested content, conversation memory, a
/// sandbox and key name — carries a marker word of its owner, so a response that contains another owner's marker
/// leaked it. All ids are collected, so requests can name other tenants' and other end users' resources.
/// </summary>
internal sealed class FuzzWorld
{
    private FuzzWorld(Tenant a, Tenant b) => (A, B) = (a, b);

    public Tenant A { get; }

    public Tenant B { get; }

    public IReadOnlyList<Tenant> Tenants => [A, B];

    public Tenant Other(Tenant tenant) => tenant == A ? B : A;

    public static async Task<FuzzWorld> SeedAsync(PortageApp app)
    {
        var other = await app.OtherAccountAsync();
        var a = new Tenant("A", "acct_a_unknown", app.Credentials.ApiKey, app.SandboxId, "quokkasandboxa", [new("alice-a", "quokkaalice"), new("bob-a", "quokkabob")]);
        var b = new Tenant("B", "acct_other", other.DefaultRequestHeaders.Authorization!.Parameter!, "sb_other", "quokkasandboxb", [new("carol-b", "quokkacarol"), new("dave-b", "quokkadave")]);
        foreach (var tenant in new[] { a, b })
        {
            using var client = app.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
            await tenant.SeedAsync(client);
        }

        return new FuzzWorld(a, b);
    }
}

/// <summary>One account's sandbox, its end users, its marker and the ids of everything in it.</summary>
internal sealed class Tenant(string name, string accountId, string apiKey, string sandboxId, string marker, IReadOnlyList<EndUser> endUsers)
{
    public string Name => name;

    public string AccountId { get; private set; } = accountId;

    public string ApiKey => apiKey;

    public string SandboxId => sandboxId;

    /// <summary>In the sandbox's shared content (ingested documents, a durable source's name, a key's name).</summary>
    public string Marker => marker;

    public IReadOnlyList<EndUser> EndUsers => endUsers;

    public List<string> KeyIds { get; } = [];

    /// <summary>A durable source whose name carries the marker; never changed by the fuzzer.</summary>
    public string MarkedSourceId { get; private set; } = "";

    /// <summary>Sources and windows the fuzzer may rename, pause, archive, purge or delete.</summary>
    public List<string> SpareSourceIds { get; } = [];

    public List<string> JobIds { get; } = [];

    public List<string> CanonicalIds { get; } = [];

    /// <summary>MCP session ids: one without an end user, one per end user (bound to that end user's header).</summary>
    public Dictionary<string, string> McpSessions { get; } = [];

    public IEnumerable<string> Markers => EndUsers.Select(u => u.Marker).Append(Marker);

    public string Path(string rest = "") => $"/api/v1/storage/sandboxes/{SandboxId}{rest}";

    public async Task SeedAsync(HttpClient client)
    {
        AccountId = (await client.GetFromJsonAsync<JsonElement>(Path())).GetProperty("user_id").GetString()!;
        JobIds.Add(await IngestAsync(client, new()
        {
            // The marker stays out of the path and the heading: they become canonical ids, which other tenants' requests name.
            ["text"] = $"# Frost handbook\n\nFrost alerts fire below -2 °C ({Marker}). Mount frost sensors 1.5 m above ground.",
            ["source_type"] = "markdown",
            ["file_path"] = $"notes/frost-{Name}.md",
        }));
        MarkedSourceId = await RegisterAsync(client, $$"""{"provider": "github", "name": "{{Marker}} repository"}""");
        SpareSourceIds.Add(await RegisterAsync(client, """{"provider": "github", "name": "spare repository"}"""));
        using (var key = await client.PostAsJsonAsync("/api/v1/api-keys", new { name = $"{Marker} key" }))
        {
            key.EnsureSuccessStatusCode();
        }

        foreach (var user in EndUsers)
        {
            await user.SeedAsync(this, client);
        }

        KeyIds.AddRange((await client.GetFromJsonAsync<JsonElement>("/api/v1/api-keys")).EnumerateArray().Select(k => k.GetProperty("id").GetString()!));
        foreach (var job in JobIds)
        {
            await WaitForJobAsync(client, job);
        }

        foreach (var user in EndUsers)
        {
            await user.WaitForMemoryAsync(this, client);
        }

        CanonicalIds.AddRange(await DiscoverAsync(client, "frost alerts sensors", null));
        McpSessions[""] = await McpHandshake.OpenAsync(client, SandboxId, null);
        foreach (var user in EndUsers)
        {
            McpSessions[user.Id] = await McpHandshake.OpenAsync(client, SandboxId, user.Id);
        }
    }

    public async Task<string> IngestAsync(HttpClient client, Dictionary<string, object?> body)
    {
        using var response = await client.PostAsJsonAsync(Path("/ingest"), body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"seeding ingest: {json}");
        return json.GetProperty("job_id").GetString()!;
    }

    public async Task<string> RegisterAsync(HttpClient client, string json)
    {
        using var response = await client.PostAsync(Path("/sources"), new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"seeding source: {body}");
        return body.GetProperty("data_source_id").GetString()!;
    }

    public async Task<List<string>> DiscoverAsync(HttpClient client, string query, string? endUserId)
    {
        using var response = await client.PostAsJsonAsync($"/api/v1/query/sandboxes/{SandboxId}/discover", new { query, end_user_id = endUserId });
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"seeding discover: {json}");
        return [.. json.GetProperty("items").EnumerateArray().SelectMany(i => i.GetProperty("canonical_ids").EnumerateArray()).Select(c => c.GetString()!)];
    }

    private async Task WaitForJobAsync(HttpClient client, string jobId)
    {
        for (var attempt = 0; attempt < 400; attempt++)
        {
            var status = (await client.GetFromJsonAsync<JsonElement>(Path($"/ingest/{jobId}"))).GetProperty("status").GetString();
            if (status is "completed" or "failed")
            {
                Assert.Equal("completed", status);
                return;
            }

            await Task.Delay(25);
        }

        Assert.Fail($"seeding: ingest job {jobId} did not complete");
    }
}

/// <summary>An end user of a tenant: a window with two turns, a spare window, private memory, all carrying the marker.</summary>
internal sealed class EndUser(string id, string marker)
{
    public string Id => id;

    public string Marker => marker;

    public string WindowId { get; private set; } = "";

    public string SessionId { get; private set; } = "";

    public List<string> RunIds { get; } = [];

    /// <summary>The idempotency keys of the seeded runs: the same simple keys for everyone, so they collide across end users and tenants.</summary>
    public List<string> IdempotencyKeys { get; } = [];

    /// <summary>Canonical ids of this end user's memory (found by a search that names them).</summary>
    public List<string> MemoryIds { get; } = [];

    public async Task SeedAsync(Tenant tenant, HttpClient client)
    {
        foreach (var message in new[] { $"My code word is {Marker}; frost alerts worry me.", $"Remember {Marker} and the frost sensors." })
        {
            var body = Runs.Body(message, Id);
            var key = $"turn-{IdempotencyKeys.Count + 1}";
            body["idempotency_key"] = key;
            IdempotencyKeys.Add(key);
            var run = new RunResult(await SseFrames.RunAsync(client, tenant.Path("/agents/run"), body));
            Assert.True(run.Finished, $"seeding run: {run.Terminal.Data}");
            (WindowId, SessionId) = (run.WindowId, run.SessionId);
            RunIds.Add(run.RunId);
        }

        tenant.SpareSourceIds.Add(await tenant.RegisterAsync(client,
            $$"""{"provider": "custom", "name": "{{Marker}} spare window", "kind": "ephemeral", "end_user_id": "{{Id}}"}"""));
        tenant.JobIds.Add(await tenant.IngestAsync(client, new()
        {
            ["text"] = $"{Marker} keeps a private note: the frost alerts on the north field matter most.",
            ["source_type"] = "conversation",
            ["data_source_id"] = WindowId,
            ["end_user_id"] = Id,
        }));
    }

    // The conversation memory is indexed in the background; the world is ready when a search naming the end user finds it.
    public async Task WaitForMemoryAsync(Tenant tenant, HttpClient client)
    {
        for (var attempt = 0; attempt < 400; attempt++)
        {
            using var response = await client.PostAsJsonAsync($"/api/v1/query/sandboxes/{tenant.SandboxId}/search", new { query = Marker, end_user_id = Id });
            if ((await response.Content.ReadAsStringAsync()).Contains(Marker, StringComparison.Ordinal))
            {
                var shared = await tenant.DiscoverAsync(client, $"{Marker} frost", null);
                MemoryIds.AddRange((await tenant.DiscoverAsync(client, $"{Marker} frost", Id)).Except(shared));
                return;
            }

            await Task.Delay(25);
        }

        Assert.Fail($"seeding: the memory of {Id} was not indexed");
    }
}
