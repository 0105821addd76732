using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Retrieval;

/// <summary>Puts content into a sandbox through the public ingest API and waits until it is indexed.</summary>
internal static class Knowledge
{
    /// <summary>Twelve short sections on one topic, each its own chunk, so a menu of five walks down the ranking.</summary>
    public static IEnumerable<(string Path, string Text)> RateLimitNotes() => Enumerable.Range(1, 12).Select(i => (
        $"docs/rate-limits-{i:00}.md",
        $"# Rate limits part {i}\n\nRate limits note {i}: the gateway throttles bursts with token bucket number {i * 7}. " +
        $"Each rate limit window lasts {i * 10} seconds and retries should back off exponentially (rule {i})."));

    public static Task IngestAsync(this PortageApp app, IEnumerable<(string Path, string Text)> files, string? sandboxId = null, string? dataSourceId = null) =>
        IngestAsync(app.Client, sandboxId ?? app.SandboxId, files, dataSourceId);

    /// <summary>Ingests through any client that carries a key (the in-process app's, or one of a router on a real port), into a data source when given.</summary>
    public static async Task IngestAsync(HttpClient client, string sandboxId, IEnumerable<(string Path, string Text)> files, string? dataSourceId = null)
    {
        var jobs = new List<string>();
        foreach (var (path, text) in files)
        {
            using var response = await client.PostAsJsonAsync($"/api/v1/storage/sandboxes/{sandboxId}/ingest",
                new Dictionary<string, object?> { ["text"] = text, ["source_type"] = SourceTypeOf(path), ["file_path"] = path, ["data_source_id"] = dataSourceId });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            jobs.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!);
        }

        foreach (var job in jobs)
        {
            await WaitAsync(client, sandboxId, job);
        }
    }

    private static string SourceTypeOf(string path) => Path.GetExtension(path) switch
    {
        ".md" => "markdown",
        ".txt" => "text",
        _ => "code",
    };

    public static Task WaitAsync(PortageApp app, string jobId, string? sandboxId = null) => WaitAsync(app.Client, sandboxId ?? app.SandboxId, jobId);

    private static async Task WaitAsync(HttpClient client, string sandboxId, string jobId)
    {
        for (var attempt = 0; attempt < 400; attempt++)
        {
            var status = await client.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{sandboxId}/ingest/{jobId}");
            switch (status.GetProperty("status").GetString())
            {
                case "completed":
                    return;
                case "failed":
                    Assert.Fail($"ingest job {jobId} failed: {status}");
                    break;
            }

            await Task.Delay(25);
        }

        Assert.Fail($"ingest job {jobId} did not complete");
    }

    public static async Task<JsonElement> QueryAsync(this PortageApp app, string call, object body, string? sandboxId = null)
    {
        using var response = await app.Client.PostAsJsonAsync($"/api/v1/query/sandboxes/{sandboxId ?? app.SandboxId}/{call}", body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"{call}: {(int)response.StatusCode} {json}");
        return json;
    }

    public static List<string> LeafIds(JsonElement discover) =>
        [.. discover.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("canonical_ids").EnumerateArray().Last().GetString()!)];
}
