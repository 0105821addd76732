using Portage.Core.Ingest;
using Portage.Testing;

namespace Portage.Server.Tests.Ingest;

/// <summary>
/// A crash mid-ingest loses no acknowledged job: a job whose worker died is claimed again once its lease expires, by
/// the next process on the same data folder.
/// </summary>
public sealed class IngestRecoveryTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portage-tests", "ingest-" + Guid.NewGuid().ToString("n"));

    [Fact]
    public async Task A_job_claimed_by_a_worker_that_died_is_completed_by_the_next_instance_after_the_lease_expires()
    {
        string statusUrl;
        using (var first = new PortageApp(dataFolder: _folder, settings: new Dictionary<string, string?> { ["Ingest:Concurrency"] = "0" }))
        {
            statusUrl = (await first.IngestAsync(new { text = "# Recovery\n\nThe job survives its worker.", source_type = "markdown" }))
                .GetProperty("status_url").GetString()!;

            // A worker takes the job with a short lease, then the process goes away without finishing it.
            var now = DateTimeOffset.UtcNow;
            Assert.NotNull(await first.Get<IIngestStore>().ClaimNextAsync(now, now.AddSeconds(1), 1, CancellationToken.None));
            Assert.Equal("processing", (await first.JobAsync(statusUrl)).GetProperty("status").GetString());
        }

        using var second = new PortageApp(dataFolder: _folder, settings: new Dictionary<string, string?> { ["Ingest:PollIntervalMilliseconds"] = "50" });
        var job = await second.WaitForJobAsync(statusUrl);

        Assert.Equal(("completed", 1), (job.GetProperty("status").GetString(), job.GetProperty("retry_count").GetInt32()));
        Assert.Equal((1, 1, 0), job.Counts());
        Assert.Single(await IngestEndpointTests.Search(second, "survives"));
    }

    [Fact]
    public async Task Queued_jobs_of_a_stopped_instance_are_processed_by_the_next_one()
    {
        string[] statusUrls;
        using (var first = new PortageApp(dataFolder: _folder, settings: new Dictionary<string, string?> { ["Ingest:Concurrency"] = "0" }))
        {
            statusUrls = await Task.WhenAll(Enumerable.Range(1, 5).Select(async i =>
                (await first.IngestAsync(new { text = $"Note number {i} about turnips.", file_path = $"notes/{i}.txt" })).GetProperty("status_url").GetString()!));
        }

        using var second = new PortageApp(dataFolder: _folder);
        var jobs = await Task.WhenAll(statusUrls.Select(url => second.WaitForJobAsync(url)));

        Assert.All(jobs, job => Assert.Equal(("completed", 0), (job.GetProperty("status").GetString(), job.GetProperty("retry_count").GetInt32())));
        Assert.Equal(5, (await IngestEndpointTests.Search(second, "turnips")).Count);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A pooled SQLite handle may still be closing; the temp folder is cleaned by the OS.
        }
    }
}
