using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Portage.Core.Retrieval;
using Portage.Testing;

namespace Portage.Server.Tests.Ingest;

/// <summary>POST …/ingest answers 202 with a durable job; the worker indexes it; GET …/ingest/{job_id} follows it (§7.3).</summary>
public sealed class IngestEndpointTests
{
    private const string Guide = "# Guide\n\n## Install\n\nDownload the installer for your platform.\n\n## Configure\n\nEdit portage.json to set the port.";

    [Fact]
    public async Task Ingest_answers_202_with_the_job_and_where_to_poll_it()
    {
        using var app = new PortageApp();

        var accepted = await app.IngestAsync(new { text = Guide, source_type = "markdown", project_id = "proj_docs" });

        var jobId = accepted.GetProperty("job_id").GetString()!;
        Assert.StartsWith("job_", jobId, StringComparison.Ordinal);
        Assert.Equal(("queued", false, app.SandboxId, "proj_docs"),
            (accepted.GetProperty("status").GetString(), accepted.GetProperty("encrypted").GetBoolean(), accepted.GetProperty("sandbox_id").GetString(),
             accepted.GetProperty("project_id").GetString()));
        Assert.Equal($"/api/v1/storage/sandboxes/{app.SandboxId}/ingest/{jobId}", accepted.GetProperty("status_url").GetString());
    }

    [Fact]
    public async Task Job_completes_with_chunk_counts_and_the_same_text_again_is_all_duplicates()
    {
        using var app = new PortageApp();

        var first = await app.IngestAndWaitAsync(new { text = Guide, file_path = "docs/guide.md" });
        var again = await app.IngestAndWaitAsync(new { text = Guide, file_path = "docs/guide.md" });

        Assert.Equal("completed", first.GetProperty("status").GetString());
        Assert.Equal((2, 2, 0), first.Counts());
        Assert.Equal((2, 0, 2), again.Counts());
        Assert.Equal(("ingest_text", 0, "markdown", "docs/guide.md"),
            (first.GetProperty("job_type").GetString(), first.GetProperty("retry_count").GetInt32(),
             first.GetProperty("result").GetProperty("chunking").GetString(), first.GetProperty("result").GetProperty("file_path").GetString()));
        Assert.True(first.GetProperty("completed_at").GetDateTimeOffset() >= first.GetProperty("created_at").GetDateTimeOffset());
        var hit = (await Search(app, "installer")).Single();
        Assert.Equal(("guide.md › Guide › Install", "docs/guide.md"), (hit.Chunk.Breadcrumb, hit.Chunk.FilePath));
    }

    [Fact]
    public async Task A_leading_file_header_names_the_file_and_is_not_indexed()
    {
        using var app = new PortageApp();

        var job = await app.IngestAndWaitAsync(new { text = "[File: notes/ideas.md]\n# Ideas\n\nA kite made of solar panels." });

        Assert.Equal("notes/ideas.md", job.GetProperty("result").GetProperty("file_path").GetString());
        var hit = (await Search(app, "kite")).Single();
        Assert.Equal(("ideas.md › Ideas", "A kite made of solar panels."), (hit.Chunk.Breadcrumb, hit.Chunk.Content));
        Assert.Empty(await Search(app, "File"));
    }

    [Fact]
    public async Task Without_a_worker_the_job_stays_queued()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Ingest:Concurrency"] = "0" });

        var accepted = await app.IngestAsync(new { text = "waiting" });
        await Task.Delay(200);

        var job = await app.JobAsync(accepted.GetProperty("status_url").GetString()!);
        Assert.Equal("queued", job.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("result").ValueKind);
    }

    public static TheoryData<string, string, int, string> BadRequests() => new()
    {
        { "no text", """{"source_type":"text"}""", 400, "invalid_text" },
        { "empty text", """{"text":""}""", 400, "invalid_text" },
        { "blank text", """{"text":"  \n\t "}""", 400, "invalid_text" },
        { "only a file header", """{"text":"[File: a.md]\n"}""", 400, "invalid_text" },
        { "bad occurred_at", """{"text":"x","occurred_at":"yesterday"}""", 400, "invalid_occurred_at" },
        { "bad source_type", """{"text":"x","source_type":"not a type!"}""", 400, "invalid_source_type" },
        { "bad end_user_id", """{"text":"x","end_user_id":"has space"}""", 400, "invalid_end_user_id" },
        { "bad participants", """{"text":"x","participants":[""]}""", 400, "invalid_participants" },
        { "wrong JSON type", """{"text":42}""", 400, "invalid_json" },
        { "unknown data source", """{"text":"x","data_source_id":"ds_nope"}""", 404, "source_not_found" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_ingests_get_a_status_and_an_error_that_says_what_to_fix(string name, string body, int status, string error)
    {
        using var app = new PortageApp();

        using var response = await app.Client.PostAsync(app.IngestPath(), new StringContent(body, Encoding.UTF8, "application/json"));

        var (actualStatus, actualError, detail) = await Runs.ErrorOf(response);
        Assert.True((status, error) == (actualStatus, actualError), $"{name}: {actualStatus} {actualError} {detail}");
        Assert.False(string.IsNullOrWhiteSpace(detail));
    }

    [Fact]
    public async Task Body_over_the_size_limit_is_413_and_nothing_is_queued()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Server:MaxRequestBodyBytes"] = "1000" });

        using var response = await app.Client.PostAsJsonAsync(app.IngestPath(), new { text = new string('a', 2000) });

        Assert.Equal((413, "payload_too_large"), await ErrorAsync(response));
    }

    [Fact]
    public async Task Other_sandboxes_jobs_and_keys_answer_as_missing_or_unauthorized()
    {
        using var app = new PortageApp();
        var accepted = await app.IngestAsync(new { text = "hello" });

        using var otherSandbox = await app.Client.PostAsJsonAsync(app.IngestPath("sb_someone_else"), new { text = "x" });
        using var missingJob = await app.Client.GetAsync($"{app.IngestPath()}/job_nope");
        using var anonymous = app.CreateClient();
        using var noKey = await anonymous.GetAsync(accepted.GetProperty("status_url").GetString());

        Assert.Equal((404, "sandbox_not_found"), await ErrorAsync(otherSandbox));
        Assert.Equal((404, "job_not_found"), await ErrorAsync(missingJob));
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
    }

    [Fact]
    public async Task Non_json_body_is_415()
    {
        using var app = new PortageApp();
        using var content = new StringContent("text=hello", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");

        using var response = await app.Client.PostAsync(app.IngestPath(), content);

        Assert.Equal((415, "unsupported_media_type"), await ErrorAsync(response));
    }

    private static async Task<(int Status, string Error)> ErrorAsync(HttpResponseMessage response)
    {
        var (status, error, _) = await Runs.ErrorOf(response);
        return (status, error);
    }

    internal static async Task<IReadOnlyList<ChunkHit>> Search(PortageApp app, string text, string? endUserId = null) =>
        await app.Get<IContentIndex>().SearchAsync(new ContentQuery(app.SandboxId, text, null, endUserId, new HashSet<string>(), 10), CancellationToken.None);
}
