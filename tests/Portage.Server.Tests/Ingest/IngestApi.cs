using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Ingest;

/// <summary>Helpers to post ingests and wait for their jobs in tests.</summary>
internal static class IngestApi
{
    public static string IngestPath(this PortageApp app, string? sandboxId = null) => $"/api/v1/storage/sandboxes/{sandboxId ?? app.SandboxId}/ingest";

    /// <summary>Posts an ingest and returns the 202 body (fails the test on any other status).</summary>
    public static async Task<JsonElement> IngestAsync(this PortageApp app, object body, HttpClient? client = null)
    {
        using var response = await (client ?? app.Client).PostAsJsonAsync(app.IngestPath(), body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {json}");
        return json;
    }

    public static async Task<JsonElement> JobAsync(this PortageApp app, string statusUrl, HttpClient? client = null) =>
        await (client ?? app.Client).GetFromJsonAsync<JsonElement>(statusUrl);

    /// <summary>Polls a job until it is completed or failed (10 s at most).</summary>
    public static async Task<JsonElement> WaitForJobAsync(this PortageApp app, string statusUrl, HttpClient? client = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var job = await app.JobAsync(statusUrl, client);
            var status = job.GetProperty("status").GetString();
            if (status is "completed" or "failed" || DateTime.UtcNow > deadline)
            {
                return job;
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Ingests and waits: the finished job.</summary>
    public static async Task<JsonElement> IngestAndWaitAsync(this PortageApp app, object body) =>
        await app.WaitForJobAsync((await app.IngestAsync(body)).GetProperty("status_url").GetString()!);

    public static (int Chunks, int Indexed, int Duplicates) Counts(this JsonElement job)
    {
        var result = job.GetProperty("result");
        return (result.GetProperty("chunks").GetInt32(), result.GetProperty("indexed").GetInt32(), result.GetProperty("duplicates").GetInt32());
    }
}
