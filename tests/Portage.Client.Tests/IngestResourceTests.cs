using System.Net;
using System.Text.Json;
using Portage.Client.Tests.Fakes;
using Portage.Protocol.Ingest;

namespace Portage.Client.Tests;

public sealed class IngestResourceTests
{
    [Fact]
    public async Task Text_posts_the_request_without_null_fields_and_reads_the_queued_job()
    {
        var handler = FakeHandler.Json(
            """{"job_id":"job_1","status":"queued","encrypted":false,"sandbox_id":"sb_test","status_url":"/api/v1/storage/sandboxes/sb_test/ingest/job_1"}""",
            HttpStatusCode.Accepted);
        using var router = TestRouter.Create(handler);

        var job = await router.Client.Ingest.TextAsync("sb_test", new IngestTextRequest { Text = "# Hi", SourceType = "markdown", FilePath = "docs/hi.md" });

        Assert.Equal(("job_1", "queued", "/api/v1/storage/sandboxes/sb_test/ingest/job_1"), (job.JobId, job.Status, job.StatusUrl));
        var request = Assert.Single(handler.Requests);
        Assert.Equal((HttpMethod.Post, "http://portage.test/api/v1/storage/sandboxes/sb_test/ingest"), (request.Method, request.Uri.ToString()));
        Assert.Equal("""{"text":"# Hi","source_type":"markdown","file_path":"docs/hi.md"}""", request.Body);
    }

    [Fact]
    public async Task The_default_sandbox_shorthand_posts_to_storage_ingest_and_reads_its_job_there()
    {
        var handler = new FakeHandler
        {
            Respond = (request, _) => request.Method == HttpMethod.Post
                ? FakeHandler.JsonResponse("""{"job_id":"job 1","status":"queued","encrypted":false,"sandbox_id":"sb_default","status_url":"/api/v1/storage/sandboxes/sb_default/ingest/job%201"}""")
                : FakeHandler.JsonResponse("""{"job_id":"job 1","status":"completed","job_type":"ingest_text","encrypted":false,"retry_count":0,"sandbox_id":"sb_default"}"""),
        };
        using var router = TestRouter.Create(handler);

        var job = await router.Client.Ingest.TextToDefaultSandboxAsync(new IngestTextRequest { Text = "notes" });
        var status = await router.Client.Ingest.GetDefaultSandboxJobAsync(job.JobId);

        Assert.Equal(("sb_default", "completed"), (job.SandboxId, status.Status));
        Assert.Equal(["POST /api/v1/storage/ingest", "GET /api/v1/storage/ingest/job%201"], handler.Requests.Select(r => $"{r.Method} {r.Uri.PathAndQuery}"));
        Assert.Equal("""{"text":"notes"}""", handler.Requests[0].Body);
    }

    [Fact]
    public async Task Text_is_sent_once_even_when_the_server_fails()
    {
        var handler = FakeHandler.Json("""{"error":"internal_error","detail":"boom"}""", HttpStatusCode.InternalServerError);
        using var router = TestRouter.Create(handler);

        var error = await Assert.ThrowsAsync<AgentRouterException>(() => router.Client.Ingest.TextAsync("sb_test", new IngestTextRequest { Text = "x" }));

        Assert.Equal(("internal_error", HttpStatusCode.InternalServerError), (error.ErrorType, error.StatusCode));
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task Wait_polls_the_job_until_it_is_finished_and_reads_its_counts()
    {
        var answers = new[]
        {
            """{"job_id":"job/1","status":"queued","retry_count":0}""",
            """{"job_id":"job/1","status":"processing","retry_count":0}""",
            """{"job_id":"job/1","status":"completed","retry_count":0,"result":{"chunks":3,"indexed":2,"duplicates":1,"chunking":"markdown"}}""",
        };
        var handler = new FakeHandler { Respond = (_, n) => FakeHandler.JsonResponse(answers[n - 1]) };
        using var router = TestRouter.Create(handler);

        var job = await router.Client.Ingest.WaitForJobAsync("sb_test", "job/1", TimeSpan.Zero);

        Assert.Equal(("completed", 3, 2, 1), (job.Status, job.Result!.Chunks, job.Result.Indexed, job.Result.Duplicates));
        Assert.Equal(3, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal("/api/v1/storage/sandboxes/sb_test/ingest/job%2F1", r.Uri.AbsolutePath));
    }

    [Theory]
    [InlineData("completed", true)]
    [InlineData("failed", true)]
    [InlineData("cancelled", true)]
    [InlineData("queued", false)]
    [InlineData("pending", false)]
    [InlineData("processing", false)]
    public void Finished_states_are_final(string status, bool finished) => Assert.Equal(finished, IngestResource.IsFinished(status));

    [Fact]
    public void Status_reads_the_full_copass_shape()
    {
        var status = JsonSerializer.Deserialize(
            """{"job_id":"j","status":"failed","job_type":"ingest_text","encrypted":false,"result":null,"error_message":"gave up","retry_count":3,"parent_job_id":null,"created_at":"2025-03-14T09:00:00Z"}""",
            Portage.Protocol.ProtocolJson.Default.IngestJobStatus)!;

        Assert.Equal(("failed", "gave up", 3), (status.Status, status.ErrorMessage, status.RetryCount));
    }
}
