using System.Text.Json;
using Portage.Core.Errors;
using Portage.Core.Ingest;
using Portage.Core.Retrieval;
using Portage.Core.Windows;

namespace Portage.Storage.Tests;

public abstract partial class StoreConformanceTests
{
    private static readonly TimeSpan s_jobLease = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Enqueued_job_reads_back_with_every_field()
    {
        await SeedTenantsAsync();
        var job = Job("job_1") with
        {
            DataSourceId = "ds_1",
            ProjectId = "proj_1",
            EndUserId = UserA,
            SourceType = "conversation",
            FilePath = "docs/guide.md",
            OccurredAt = T0.AddDays(-1),
            Speaker = "Ada",
            Participants = ["Ada", "Assistant"],
        };

        await Ingest.EnqueueAsync(job, None);

        AssertJob(job, await Ingest.GetJobAsync(SandboxA, "job_1", None));
    }

    [Fact]
    public async Task Job_of_another_sandbox_is_not_found()
    {
        await SeedTenantsAsync();
        await Ingest.EnqueueAsync(Job("job_1"), None);

        Assert.Null(await Ingest.GetJobAsync(SandboxB, "job_1", None));
        Assert.Null(await Ingest.GetJobAsync(SandboxA, "job_missing", None));
    }

    [Fact]
    public async Task Claim_takes_the_oldest_queued_job_and_leases_it()
    {
        await SeedTenantsAsync();
        await Ingest.EnqueueAsync(Job("job_old", createdAt: T0.AddSeconds(1)), None);
        await Ingest.EnqueueAsync(Job("job_new", createdAt: T0.AddSeconds(2)), None);
        var now = T0.AddSeconds(10);

        var first = await Ingest.ClaimNextAsync(now, now + s_jobLease, 1, None);
        var second = await Ingest.ClaimNextAsync(now, now + s_jobLease, 1, None);
        var third = await Ingest.ClaimNextAsync(now, now + s_jobLease, 1, None);

        Assert.Equal(("job_old", IngestStatus.Processing, now, 0), (first!.Id, first.Status, first.StartedAt!.Value, first.RetryCount));
        Assert.Equal("job_new", second!.Id);
        Assert.Null(third);
        Assert.Equal(IngestStatus.Processing, (await Ingest.GetJobAsync(SandboxA, "job_old", None))!.Status);
    }

    [Fact]
    public async Task Leased_job_is_not_claimed_again_before_its_lease_expires()
    {
        await SeedTenantsAsync();
        await Ingest.EnqueueAsync(Job("job_1"), None);
        await Ingest.ClaimNextAsync(T0, T0 + s_jobLease, 1, None);

        Assert.Null(await Ingest.ClaimNextAsync(T0.AddSeconds(119), T0.AddSeconds(119) + s_jobLease, 1, None));
    }

    [Fact]
    public async Task Job_whose_lease_expired_is_claimed_again_and_the_lost_attempt_counts_as_a_retry()
    {
        await SeedTenantsAsync();
        await Ingest.EnqueueAsync(Job("job_1"), None);
        await Ingest.ClaimNextAsync(T0, T0 + s_jobLease, 1, None);
        var later = T0 + s_jobLease;

        var reclaimed = await Ingest.ClaimNextAsync(later, later + s_jobLease, 1, None);

        Assert.Equal(("job_1", IngestStatus.Processing, 1, later), (reclaimed!.Id, reclaimed.Status, reclaimed.RetryCount, reclaimed.StartedAt!.Value));
        Assert.Null(await Ingest.ClaimNextAsync(later.AddSeconds(1), later.AddSeconds(1) + s_jobLease, 1, None));
    }

    [Fact]
    public async Task Concurrent_claims_never_hand_out_one_job_twice()
    {
        await SeedTenantsAsync();
        for (var i = 0; i < 5; i++)
        {
            await Ingest.EnqueueAsync(Job($"job_{i}", createdAt: T0.AddMilliseconds(i)), None);
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(() => Ingest.ClaimNextAsync(T0.AddSeconds(1), T0.AddSeconds(1) + s_jobLease, 1, None))));

        var claimed = claims.Where(c => c is not null).Select(c => c!.Id).ToList();
        Assert.Equal(5, claimed.Count);
        Assert.Equal(5, claimed.Distinct().Count());
    }

    [Fact]
    public async Task Claims_serve_sandboxes_in_turn_and_each_sandbox_in_its_own_order()
    {
        await SeedTenantsAsync();
        for (var i = 1; i <= 3; i++)
        {
            await Ingest.EnqueueAsync(Job($"a_{i}", createdAt: T0.AddSeconds(i)), None);
        }

        await Ingest.EnqueueAsync(Job("b_1", SandboxB, T0.AddSeconds(10)), None);
        await Ingest.EnqueueAsync(Job("b_2", SandboxB, T0.AddSeconds(11)), None);

        Assert.Equal(["a_1", "b_1", "a_2", "b_2", "a_3"], await ClaimAndCompleteAsync(6, T0.AddMinutes(1)));
    }

    [Fact]
    public async Task A_sandbox_that_was_idle_joins_the_round_at_its_head_not_behind_another_sandboxs_backlog()
    {
        await SeedTenantsAsync();
        for (var i = 0; i < 50; i++)
        {
            await Ingest.EnqueueAsync(Job($"a_{i:00}", createdAt: T0.AddMilliseconds(i)), None);
        }

        Assert.Equal(10, (await ClaimAndCompleteAsync(10, T0.AddSeconds(1))).Count);
        await Ingest.EnqueueAsync(Job("b_1", SandboxB, T0.AddSeconds(2)), None);

        Assert.Equal(["a_10", "b_1", "a_11"], await ClaimAndCompleteAsync(3, T0.AddSeconds(3)));
    }

    [Theory]
    [InlineData(1, "b_1")]
    [InlineData(2, "a_2")]
    public async Task A_sandbox_at_its_concurrency_is_passed_over_while_another_sandbox_has_a_job_waiting(int perSandboxConcurrency, string expected)
    {
        await SeedTenantsAsync();
        for (var i = 1; i <= 3; i++)
        {
            await Ingest.EnqueueAsync(Job($"a_{i}", createdAt: T0.AddSeconds(i)), None);
        }

        var now = T0.AddMinutes(1);
        Assert.Equal("a_1", (await Ingest.ClaimNextAsync(now, now + s_jobLease, perSandboxConcurrency, None))!.Id);
        await Ingest.EnqueueAsync(Job("b_1", SandboxB, now), None);

        var next = await Ingest.ClaimNextAsync(now.AddSeconds(1), now + s_jobLease, perSandboxConcurrency, None);

        Assert.Equal(expected, next!.Id);
    }

    [Fact]
    public async Task With_no_other_sandbox_waiting_one_sandbox_may_take_every_worker()
    {
        await SeedTenantsAsync();
        for (var i = 1; i <= 3; i++)
        {
            await Ingest.EnqueueAsync(Job($"a_{i}", createdAt: T0.AddSeconds(i)), None);
        }

        var now = T0.AddMinutes(1);
        var claimed = new List<string?>();
        for (var i = 0; i < 4; i++)
        {
            claimed.Add((await Ingest.ClaimNextAsync(now, now + s_jobLease, 1, None))?.Id);
        }

        Assert.Equal(["a_1", "a_2", "a_3", null], claimed);
    }

    [Fact]
    public async Task A_job_of_several_turns_reads_back_with_its_turns_in_order()
    {
        await SeedTenantsAsync();
        var job = Job("job_1") with
        {
            DataSourceId = "ds_1",
            EndUserId = UserA,
            Text = "",
            SourceType = "conversation",
            Turns = [new IngestTurn("User", "first message"), new IngestTurn("User", "second \"quoted\" message"), new IngestTurn("Assistant", "the answer")],
        };

        await Ingest.EnqueueAsync(job, None);

        AssertJob(job, await Ingest.GetJobAsync(SandboxA, "job_1", None));
        var claimed = await Ingest.ClaimNextAsync(T0, T0 + s_jobLease, 1, None);
        Assert.Equal(job.Turns, claimed!.Turns);
    }

    [Fact]
    public async Task Concurrent_claims_over_several_sandboxes_never_hand_out_one_job_twice()
    {
        await SeedTenantsAsync();
        for (var i = 0; i < 4; i++)
        {
            await Ingest.EnqueueAsync(Job($"a_{i}", createdAt: T0.AddMilliseconds(i)), None);
            await Ingest.EnqueueAsync(Job($"b_{i}", SandboxB, T0.AddMilliseconds(i)), None);
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => Ingest.ClaimNextAsync(T0.AddSeconds(1), T0.AddSeconds(1) + s_jobLease, 1, None))));

        var claimed = claims.Where(c => c is not null).Select(c => c!.Id).ToList();
        Assert.Equal(8, claimed.Count);
        Assert.Equal(8, claimed.Distinct().Count());
    }

    [Fact]
    public async Task Complete_adds_the_chunks_and_marks_the_job_completed_with_its_counts()
    {
        await SeedTenantsAsync();
        await Ingest.EnqueueAsync(Job("job_1"), None);
        await Ingest.ClaimNextAsync(T0, T0 + s_jobLease, 1, None);
        var done = T0.AddSeconds(3);

        var indexed = await Ingest.CompleteAsync("job_1", [Chunk("chunk:a", "alpha"), Chunk("chunk:b", "beta")], """{"chunks":2,"chunking":"text"}""", done, None);

        Assert.Equal(2, indexed);
        var job = await Ingest.GetJobAsync(SandboxA, "job_1", None);
        Assert.Equal((IngestStatus.Completed, done), (job!.Status, job.CompletedAt!.Value));
        AssertJsonEqual("""{"chunks":2,"chunking":"text","indexed":2,"duplicates":0}""", job.ResultJson);
        Assert.Null(await Ingest.ClaimNextAsync(done.AddHours(1), done.AddHours(2), 1, None));
        Assert.Equal(2, (await Content.GetChunksAsync(SandboxA, ["chunk:a", "chunk:b"], null, None)).Count);
    }

    [Fact]
    public async Task Identical_content_is_indexed_once_per_sandbox_source_and_end_user()
    {
        await SeedTenantsAsync();
        await IndexAsync("job_1", Chunk("chunk:1", "the same words"));

        // Same sandbox and source: a duplicate, whatever its id; so is a repeat inside one job.
        Assert.Equal(0, await IndexAsync("job_2", Chunk("chunk:2", "the same words")));
        Assert.Equal(1, await IndexAsync("job_3", Chunk("chunk:3", "other words"), Chunk("chunk:4", "other words")));
        AssertJsonEqual("""{"chunks":2,"indexed":1,"duplicates":1}""", (await Ingest.GetJobAsync(SandboxA, "job_3", None))!.ResultJson);

        // Another source, end user or sandbox indexes its own copy.
        Assert.Equal(1, await IndexAsync("job_5", Chunk("chunk:5", "the same words", dataSourceId: "ds_other")));
        Assert.Equal(1, await IndexAsync("job_6", Chunk("chunk:6", "the same words", endUserId: UserA)));
        Assert.Equal(1, await IndexAsync("job_7", Chunk("chunk:7", "the same words", endUserId: UserB)));
        Assert.Equal(1, await IndexAsync("job_8", Chunk("chunk:8", "the same words", sandboxId: SandboxB)));
    }

    [Fact]
    public async Task Failed_attempt_with_a_retry_time_is_queued_again_but_not_claimed_before_it()
    {
        await SeedTenantsAsync();
        await Ingest.EnqueueAsync(Job("job_1"), None);
        await Ingest.ClaimNextAsync(T0, T0 + s_jobLease, 1, None);

        await Ingest.FailAsync("job_1", "disk full", T0.AddSeconds(30), T0.AddSeconds(1), None);

        var queued = await Ingest.GetJobAsync(SandboxA, "job_1", None);
        Assert.Equal((IngestStatus.Queued, 1, "disk full"), (queued!.Status, queued.RetryCount, queued.ErrorMessage));
        Assert.Null(await Ingest.ClaimNextAsync(T0.AddSeconds(29), T0.AddSeconds(29) + s_jobLease, 1, None));
        var retried = await Ingest.ClaimNextAsync(T0.AddSeconds(30), T0.AddSeconds(30) + s_jobLease, 1, None);
        Assert.Equal(("job_1", 1), (retried!.Id, retried.RetryCount));
    }

    [Fact]
    public async Task Failed_attempt_without_a_retry_time_fails_the_job_for_good()
    {
        await SeedTenantsAsync();
        await Ingest.EnqueueAsync(Job("job_1"), None);
        await Ingest.ClaimNextAsync(T0, T0 + s_jobLease, 1, None);

        await Ingest.FailAsync("job_1", "gave up", null, T0.AddSeconds(5), None);

        var failed = await Ingest.GetJobAsync(SandboxA, "job_1", None);
        Assert.Equal((IngestStatus.Failed, "gave up", T0.AddSeconds(5)), (failed!.Status, failed.ErrorMessage, failed.CompletedAt!.Value));
        Assert.Null(await Ingest.ClaimNextAsync(T0.AddDays(1), T0.AddDays(1) + s_jobLease, 1, None));
    }

    [Fact]
    public async Task Enqueue_turn_appends_the_turn_and_stores_the_job_together()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");
        var job = Job("job_1") with { DataSourceId = "ds_1", EndUserId = UserA, SourceType = "conversation", Speaker = "User" };
        var turn = new NewTurn(TurnRole.User, "User", null, null, null, "succeeded", T0.AddMinutes(1), 2, [TurnPart.OfText("hello there")]);

        var seq = await Ingest.EnqueueTurnAsync(job, turn, None);

        Assert.Equal(1, seq);
        var stored = Assert.Single(await Windows.ListTurnsAsync(SandboxA, "ds_1", 0, 100, None));
        Assert.Equal((TurnRole.User, "User", "hello there", (string?)null), (stored.Role, stored.Speaker, stored.Text, stored.RunId));
        Assert.Equal(T0.AddMinutes(1), (await Windows.GetWindowAsync(SandboxA, "ds_1", UserA, None))!.LastActiveAt);
        AssertJob(job, await Ingest.GetJobAsync(SandboxA, "job_1", None));
    }

    [Fact]
    public async Task Enqueue_turn_into_a_window_of_another_sandbox_stores_nothing()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_b", sandboxId: SandboxB, endUserId: UserB);
        var job = Job("job_1") with { DataSourceId = "ds_b", SourceType = "conversation" };
        var turn = new NewTurn(TurnRole.User, "User", null, null, null, "succeeded", T0, 1, [TurnPart.OfText("hi")]);

        await Assert.ThrowsAsync<PortageException>(() => Ingest.EnqueueTurnAsync(job, turn, None));

        Assert.Null(await Ingest.GetJobAsync(SandboxA, "job_1", None));
        Assert.Empty(await Windows.ListTurnsAsync(SandboxB, "ds_b", 0, 100, None));
    }

    protected static IngestJobRecord Job(string id, string sandboxId = SandboxA, DateTimeOffset? createdAt = null) =>
        new(id, sandboxId, null, null, null, "some text", "text", null, null, null, null, IngestStatus.Queued, 0, null, null, createdAt ?? T0, null, null);

    protected static ChunkRecord Chunk(
        string id, string content, string breadcrumb = "doc.md", string? filePath = "doc.md", string sandboxId = SandboxA, string? dataSourceId = null,
        string? projectId = null, string? endUserId = null, IReadOnlyList<string>? path = null, string sourceType = "markdown") =>
        new(id, sandboxId, dataSourceId, projectId, endUserId, path ?? ["file:" + (filePath ?? "none"), id], breadcrumb, filePath, sourceType, content,
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content))),
            (content.Length + 3) / 4, "job_x", T0);

    /// <summary>Stores and completes one job holding the chunks (jobs belong to the chunks' sandbox); returns how many were added.</summary>
    protected async Task<int> IndexAsync(string jobId, params ChunkRecord[] chunks)
    {
        var sandboxId = chunks.Length > 0 ? chunks[0].SandboxId : SandboxA;
        await Ingest.EnqueueAsync(Job(jobId, sandboxId), None);
        var result = JsonSerializer.Serialize(new Dictionary<string, int> { ["chunks"] = chunks.Length });
        return await Ingest.CompleteAsync(jobId, [.. chunks.Select(c => c with { JobId = jobId })], result, T0.AddSeconds(1), None);
    }

    /// <summary>Claims (one worker, one job per sandbox at a time) and completes up to <paramref name="count"/> jobs: their ids in claim order.</summary>
    private async Task<List<string>> ClaimAndCompleteAsync(int count, DateTimeOffset now)
    {
        var order = new List<string>();
        for (var i = 0; i < count; i++)
        {
            if (await Ingest.ClaimNextAsync(now, now + s_jobLease, 1, None) is not { } job)
            {
                break;
            }

            order.Add(job.Id);
            await Ingest.CompleteAsync(job.Id, [], """{"chunks":0}""", now, None);
        }

        return order;
    }

    private static void AssertJob(IngestJobRecord expected, IngestJobRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Participants ?? [], actual.Participants ?? []);
        Assert.Equal(expected.Participants is null, actual.Participants is null);
        Assert.Equal(expected.Turns ?? [], actual.Turns ?? []);
        Assert.Equal(expected.Turns is null, actual.Turns is null);
        Assert.Equal(expected with { Participants = null, Turns = null }, actual with { Participants = null, Turns = null });
    }
}
