using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portage.Core.Ingest;
using Portage.Core.Retrieval;
using Portage.Core.Signals;
using Portage.Core.Telemetry;
using Portage.Core.Tenancy;
using Portage.Core.Windows;

namespace Portage.Core.Tests.Ingest;

public sealed class IngestWorkerTests
{
    private static readonly DateTimeOffset s_now = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(s_now);
    private readonly FakeIngestStore _store = new();
    private readonly InProcessRunSignals _signals = new();
    private readonly SandboxCache _sandboxes;

    public IngestWorkerTests() => _sandboxes = new SandboxCache(_signals, NullLogger<SandboxCache>.Instance);

    [Fact]
    public async Task A_claimed_job_is_chunked_and_completed_with_its_chunks_and_result()
    {
        var worker = Worker();
        _store.Queue.Enqueue(Job(0) with { Text = "# Title\n\nHello there.", SourceType = "markdown", FilePath = "docs/hello.md", DataSourceId = "ds_1", ProjectId = "p1" });

        Assert.True(await worker.RunOnceAsync(CancellationToken.None));

        var (jobId, chunks, result) = Assert.Single(_store.Completed);
        Assert.Equal("job_1", jobId);
        var chunk = Assert.Single(chunks);
        Assert.Equal(("sb_1", "ds_1", "p1", "docs/hello.md", "markdown", "job_1", s_now), (chunk.SandboxId, chunk.DataSourceId, chunk.ProjectId, chunk.FilePath, chunk.SourceType, chunk.JobId, chunk.CreatedAt));
        Assert.Equal(("hello.md › Title", "Hello there."), (chunk.Breadcrumb, chunk.Content));
        using var json = JsonDocument.Parse(result);
        Assert.Equal((1, "markdown", "docs/hello.md"),
            (json.RootElement.GetProperty("chunks").GetInt32(), json.RootElement.GetProperty("chunking").GetString(), json.RootElement.GetProperty("file_path").GetString()));
        Assert.Equal(s_now + TimeSpan.FromSeconds(120), _store.LastLease);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("u-1", false)]
    public async Task A_jobs_shared_chunks_tell_every_replica_the_sandbox_changed_before_and_after_they_are_stored_and_conversation_memory_does_not(
        string? endUserId, bool signalled)
    {
        // Runs keep whether their sandbox has shared content (Retrieval.SharedContent): its first chunks must reach them at
        // once. Before the commit too: a client that sees the job completed may start a run before the second signal.
        var changed = new List<(RunSignal Signal, int Stored)>();
        using var subscription = _signals.Subscribe(signal => changed.Add((signal, _store.Completed.Count)));
        _store.Queue.Enqueue(Job(0) with { EndUserId = endUserId, DataSourceId = "ds_1" });

        Assert.True(await Worker().RunOnceAsync(CancellationToken.None));

        Assert.Single(_store.Completed);
        Assert.Equal(signalled ? [(RunSignal.SandboxChanged("sb_1"), 0), (RunSignal.SandboxChanged("sb_1"), 1)] : [], changed);
    }

    [Fact]
    public async Task A_job_of_several_turns_chunks_each_turn_under_its_speaker()
    {
        _store.Queue.Enqueue(Job(0) with
        {
            Text = "",
            SourceType = "conversation",
            DataSourceId = "ds_1",
            EndUserId = "u-1",
            Turns = [new IngestTurn("User", "The kumquat tree stands by the gate."), new IngestTurn("User", "Where does the loquat go?"), new IngestTurn("Assistant", "By the wall.")],
        });

        Assert.True(await Worker().RunOnceAsync(CancellationToken.None));

        var (_, chunks, result) = Assert.Single(_store.Completed);
        Assert.Equal(
            [("conversation › User", "The kumquat tree stands by the gate."), ("conversation › User", "Where does the loquat go?"), ("conversation › Assistant", "By the wall.")],
            chunks.Select(c => (c.Breadcrumb, c.Content)));
        Assert.All(chunks, c => Assert.Equal(("u-1", "ds_1", "conversation:ds_1"), (c.EndUserId, c.DataSourceId, c.CanonicalPath[0])));
        using var json = JsonDocument.Parse(result);
        Assert.Equal((3, "conversation"), (json.RootElement.GetProperty("chunks").GetInt32(), json.RootElement.GetProperty("chunking").GetString()));
    }

    [Fact]
    public async Task The_claim_asks_for_the_configured_per_sandbox_concurrency()
    {
        await Worker(new IngestOptions { PerSandboxConcurrency = 3 }).RunOnceAsync(CancellationToken.None);

        Assert.Equal(3, _store.LastPerSandboxConcurrency);
    }

    [Fact]
    public async Task No_due_job_means_nothing_to_do()
    {
        Assert.False(await Worker().RunOnceAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData(0, 1000)]
    [InlineData(1, 2000)]
    [InlineData(2, 4000)]
    public async Task A_failed_attempt_is_retried_after_a_doubling_backoff(int retryCount, int delayMilliseconds)
    {
        _store.CompleteFails = true;

        await Worker().ProcessAsync(Job(retryCount));

        var (_, error, retryAt) = Assert.Single(_store.Failed);
        Assert.Equal("database is locked", error);
        Assert.Equal(s_now + TimeSpan.FromMilliseconds(delayMilliseconds), retryAt);
    }

    [Fact]
    public async Task The_last_allowed_attempt_fails_the_job_for_good()
    {
        _store.CompleteFails = true;

        await Worker().ProcessAsync(Job(3));

        Assert.Null(Assert.Single(_store.Failed).RetryAt);
    }

    [Fact]
    public async Task A_job_reclaimed_after_too_many_lost_attempts_fails_without_running_again()
    {
        await Worker().ProcessAsync(Job(4));

        Assert.Empty(_store.Completed);
        var (_, error, retryAt) = Assert.Single(_store.Failed);
        Assert.Null(retryAt);
        Assert.Contains("Gave up after 4 attempts", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Backoff_is_capped()
    {
        var worker = Worker(new IngestOptions { RetryBaseDelayMilliseconds = 1000, MaxRetryDelaySeconds = 5 });

        Assert.Equal(TimeSpan.FromSeconds(4), worker.Backoff(2));
        Assert.Equal(TimeSpan.FromSeconds(5), worker.Backoff(3));
        Assert.Equal(TimeSpan.FromSeconds(5), worker.Backoff(1000));
    }

    [Fact]
    public async Task The_background_loop_processes_a_job_as_soon_as_it_is_signalled()
    {
        var signal = new IngestSignal();
        using var worker = new IngestWorker(_store, new Chunker(), signal, _sandboxes, TimeProvider.System,
            Options.Create(new IngestOptions { Concurrency = 2, PollIntervalMilliseconds = 60_000 }), NoContentLogging, NullLogger<IngestWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);

        _store.Queue.Enqueue(Job(0));
        signal.Notify();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_store.Completed.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        await worker.StopAsync(CancellationToken.None);
        Assert.Single(_store.Completed);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_failed_attempt_is_logged_without_the_jobs_text_unless_content_logging_is_on(bool logContent)
    {
        // A store (or chunker) whose error quotes the text it was given.
        const string Secret = "the harvest code is 5c1e";
        _store.CompleteFails = true;
        _store.FailureMessage = $"constraint failed on '{Secret}'";
        var logger = new ListLogger();
        var worker = new IngestWorker(_store, new Chunker(), new IngestSignal(), _sandboxes, _time, Options.Create(new IngestOptions()),
            new ContentLogging(Options.Create(new TelemetryOptions { LogContent = logContent })), logger);

        await worker.ProcessAsync(Job(0) with { Text = Secret });

        Assert.Contains(Secret, Assert.Single(_store.Failed).Error, StringComparison.Ordinal); // the job's owner reads it in the job status
        var line = Assert.Single(logger.Lines);
        Assert.Contains("InvalidOperationException", line, StringComparison.Ordinal);
        Assert.Equal(logContent, line.Contains(Secret, StringComparison.Ordinal));
    }

    private static readonly ContentLogging NoContentLogging = new(Options.Create(new TelemetryOptions()));

    private IngestWorker Worker(IngestOptions? options = null) =>
        new(_store, new Chunker(), new IngestSignal(), _sandboxes, _time, Options.Create(options ?? new IngestOptions()), NoContentLogging, NullLogger<IngestWorker>.Instance);

    /// <summary>Keeps each log line as a console logger would print it: message, then the exception.</summary>
    private sealed class ListLogger : ILogger<IngestWorker>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add($"{formatter(state, exception)} {exception}");
    }

    private static IngestJobRecord Job(int retryCount) =>
        new("job_1", "sb_1", null, null, null, "Some text.", "text", null, null, null, null, IngestStatus.Processing, retryCount, null, null, s_now, s_now, null);

    /// <summary>An in-memory store: hands out queued jobs, records completions and failures.</summary>
    private sealed class FakeIngestStore : IIngestStore
    {
        public System.Collections.Concurrent.ConcurrentQueue<IngestJobRecord> Queue { get; } = new();

        public System.Collections.Concurrent.ConcurrentQueue<(string JobId, IReadOnlyList<ChunkRecord> Chunks, string Result)> Completed { get; } = new();

        public List<(string JobId, string Error, DateTimeOffset? RetryAt)> Failed { get; } = [];

        public bool CompleteFails { get; set; }

        public string FailureMessage { get; set; } = "database is locked";

        public DateTimeOffset? LastLease { get; private set; }

        public Task EnqueueAsync(IngestJobRecord job, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<long> EnqueueTurnAsync(IngestJobRecord job, NewTurn turn, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IngestJobRecord?> GetJobAsync(string sandboxId, string jobId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public int? LastPerSandboxConcurrency { get; private set; }

        public Task<IngestJobRecord?> ClaimNextAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int perSandboxConcurrency, CancellationToken cancellationToken)
        {
            LastLease = leaseUntil;
            LastPerSandboxConcurrency = perSandboxConcurrency;
            return Task.FromResult(Queue.TryDequeue(out var job) ? job : null);
        }

        public Task<int> CompleteAsync(string jobId, IReadOnlyList<ChunkRecord> chunks, string resultJson, DateTimeOffset now, CancellationToken cancellationToken)
        {
            if (CompleteFails)
            {
                throw new InvalidOperationException(FailureMessage);
            }

            Completed.Enqueue((jobId, chunks, resultJson));
            return Task.FromResult(chunks.Count);
        }

        public Task FailAsync(string jobId, string error, DateTimeOffset? retryAt, DateTimeOffset now, CancellationToken cancellationToken)
        {
            Failed.Add((jobId, error, retryAt));
            return Task.CompletedTask;
        }
    }
}
