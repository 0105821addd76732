using Portage.Core.Ingest;
using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Core.Sessions;
using Portage.Core.Windows;

namespace Portage.Storage.Tests;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task Starting_a_run_numbers_its_user_turns_from_one_in_order()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);

        var seqs = await StartAsync(Run("run_1", window, session, T0.AddMinutes(1)), session, newSession: true, "first", "second", "third");

        Assert.Equal([1L, 2L, 3L], seqs);
        var turns = await Windows.ListTurnsAsync(SandboxA, "ds_1", 0, 100, None);
        Assert.Equal([1L, 2L, 3L], turns.Select(t => t.Seq));
        Assert.Equal(["first", "second", "third"], turns.Select(t => t.Text));
        Assert.All(turns, t =>
        {
            Assert.Equal("ds_1", t.WindowId);
            Assert.Equal(TurnRole.User, t.Role);
            Assert.Equal("run_1", t.RunId);
            Assert.Equal(T0.AddMinutes(1), t.CreatedAt);
        });
    }

    [Fact]
    public async Task Starting_a_run_in_a_new_window_writes_the_window_leased_to_the_run_with_its_user_turns_counted()
    {
        await SeedTenantsAsync();
        var window = Window("ds_new");
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session, T0.AddMinutes(1));
        var turns = new[] { UserTurn("run_1", "first", T0.AddMinutes(1)), UserTurn("run_1", "second", T0.AddMinutes(2)) };

        var seqs = await Runs.StartRunAsync(new RunStart(run, session, turns) { NewWindow = window, LeaseExpiresAt = T0.AddMinutes(10) }, None);

        Assert.Equal([1L, 2L], seqs);
        var stored = await Windows.GetWindowAsync(SandboxA, "ds_new", UserA, None);
        Assert.Equal((2, T0.AddMinutes(2)), (stored!.TurnCount, stored.LastActiveAt));
        Assert.Equal(["first", "second"], (await Windows.ListTurnsAsync(SandboxA, "ds_new", 0, 100, None)).Select(t => t.Text));
        Assert.False(await Windows.TryAcquireLeaseAsync("ds_new", "run_2", T0.AddMinutes(3), T0.AddMinutes(20), None));
        Assert.Equal(3, await Windows.AppendTurnAsync(SandboxA, "ds_new", UserTurn("run_1", "third", T0.AddMinutes(3)), None));
    }

    [Fact]
    public async Task Starting_a_run_records_the_run_and_its_new_session()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window, at: T0.AddMinutes(1));
        var run = Run("run_1", window, session, T0.AddMinutes(1));

        await StartAsync(run, session, newSession: true, "hello");

        Assert.Equal(run, await Runs.GetRunAsync(SandboxA, "run_1", None));
        Assert.Equal(session, await Sessions.GetSessionAsync(SandboxA, "sess_1", UserA, None));
    }

    [Fact]
    public async Task Run_of_another_sandbox_is_answered_as_missing()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        await StartAsync(Run("run_1", window, session), session, newSession: true, "hello");

        Assert.Null(await Runs.GetRunAsync(SandboxB, "run_1", None));
        Assert.Null(await Runs.GetRunAsync(SandboxA, "run_nope", None));
    }

    [Fact]
    public async Task Ending_a_run_appends_the_assistant_turn_with_the_next_seq()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session, T0.AddMinutes(1));
        await StartAsync(run, session, newSession: true, "one", "two");

        var seq = await Runs.EndRunAsync(End(run, T0.AddMinutes(2), parts: TurnPart.OfText("answer")), None);

        Assert.Equal(3, seq);
        var turn = (await Windows.ListTurnsAsync(SandboxA, "ds_1", 0, 100, None))[^1];
        Assert.Equal(3, turn.Seq);
        Assert.Equal(TurnRole.Assistant, turn.Role);
        Assert.Equal("echo/echo-1", turn.Speaker);
        Assert.Equal("echo", turn.Provider);
        Assert.Equal("echo-1", turn.Model);
        Assert.Equal("run_1", turn.RunId);
        Assert.Equal(RunStatus.Succeeded, turn.Status);
        Assert.Equal(T0.AddMinutes(2), turn.CreatedAt);
        Assert.Equal(7, turn.TokenEstimate);
        Assert.Equal("answer", turn.Text);
    }

    [Fact]
    public async Task Next_run_continues_the_windows_numbering()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var first = Run("run_1", window, session, T0.AddMinutes(1));
        await StartAsync(first, session, newSession: true, "one");
        await Runs.EndRunAsync(End(first, T0.AddMinutes(2)), None);

        var second = Run("run_2", window, session, T0.AddMinutes(3));
        var seqs = await StartAsync(second, session, newSession: false, "two", "three");
        var end = await Runs.EndRunAsync(End(second, T0.AddMinutes(4)), None);

        Assert.Equal([3L, 4L], seqs);
        Assert.Equal(5, end);
        Assert.Single(await Sessions.ListSessionsAsync(SandboxA, "ds_1", None));
    }

    [Fact]
    public async Task Appending_turns_counts_them_and_moves_the_windows_last_activity()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session, T0.AddMinutes(1));
        await StartAsync(run, session, newSession: true, "one", "two");
        await Runs.EndRunAsync(End(run, T0.AddMinutes(2)), None);

        var stored = await Windows.GetWindowAsync(SandboxA, "ds_1", UserA, None);

        Assert.Equal(3, stored?.TurnCount);
        Assert.Equal(T0.AddMinutes(2), stored?.LastActiveAt);
        Assert.Equal(T0, stored?.CreatedAt);
    }

    [Fact]
    public async Task Ending_a_run_updates_the_sessions_transcript_seq_and_provider_id()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window, at: T0.AddMinutes(1));
        var run = Run("run_1", window, session, T0.AddMinutes(1));
        await StartAsync(run, session, newSession: true, "hello");
        const string transcript = """[{"role":"user","contents":[{"$type":"text","text":"hello"}]},{"role":"assistant","contents":[{"$type":"text","text":"hi"}]}]""";

        await Runs.EndRunAsync(End(run, T0.AddMinutes(2), providerSessionId: "native-42", transcriptJson: transcript), None);

        var stored = await Sessions.GetSessionAsync(SandboxA, "sess_1", UserA, None);
        Assert.NotNull(stored);
        AssertJsonEqual(transcript, stored.WholeTranscriptJson);
        Assert.Equal(2, stored.LastWindowSeq);
        Assert.Equal("native-42", stored.ProviderSessionId);
        Assert.Equal(T0.AddMinutes(2), stored.LastActiveAt);
        Assert.Equal(T0.AddMinutes(1), stored.CreatedAt);
    }

    [Fact]
    public async Task A_run_that_appends_to_its_sessions_transcript_adds_its_messages_after_the_stored_ones_in_order()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var first = Run("run_1", window, session, T0.AddMinutes(1));
        await StartAsync(first, session, newSession: true, "one");
        await Runs.EndRunAsync(End(first, T0.AddMinutes(2), transcriptJson: Messages("one", "1")) with { Transcript = TranscriptWrite.First }, None);
        foreach (var (n, text) in new[] { (2, "two"), (3, "three") })
        {
            var run = Run($"run_{n}", window, session, T0.AddMinutes(n * 2));
            await StartAsync(run, session, newSession: false, text);
            var appended = Messages(text, n.ToString(System.Globalization.CultureInfo.InvariantCulture))[1..^1];
            await Runs.EndRunAsync(End(run, T0.AddMinutes((n * 2) + 1), transcriptJson: appended) with { Transcript = TranscriptWrite.Append }, None);
        }

        var stored = await Sessions.GetSessionAsync(SandboxA, "sess_1", UserA, None);
        var latest = await Sessions.FindLatestSessionAsync(SandboxA, "ds_1", "echo", "echo-1", None);
        var listed = await Sessions.ListSessionsAsync(SandboxA, "ds_1", None);

        var whole = Messages("one", "1", "two", "2", "three", "3");
        AssertJsonEqual(whole, stored?.WholeTranscriptJson);
        AssertJsonEqual(whole, latest?.WholeTranscriptJson);
        AssertJsonEqual(whole, Assert.Single(listed).WholeTranscriptJson);
        Assert.Equal(6, stored?.LastWindowSeq);
    }

    [Fact]
    public async Task A_run_that_rewrites_its_sessions_transcript_drops_what_was_appended_to_it()
    {
        var (window, session) = await TwoRunsTheSecondAppendedAsync();
        var third = Run("run_3", window, session, T0.AddMinutes(5));
        await StartAsync(third, session, newSession: false, "three");

        await Runs.EndRunAsync(End(third, T0.AddMinutes(6), transcriptJson: Messages("summary", "three", "3")) with { Transcript = TranscriptWrite.Replace }, None);

        var stored = await Sessions.GetSessionAsync(SandboxA, "sess_1", UserA, None);
        AssertJsonEqual(Messages("summary", "three", "3"), stored?.WholeTranscriptJson);
    }

    [Fact]
    public async Task A_run_ended_already_appends_nothing_to_its_sessions_transcript()
    {
        var (window, session) = await TwoRunsTheSecondAppendedAsync();
        var end = End(Run("run_2", window, session, T0.AddMinutes(3)), T0.AddMinutes(4), transcriptJson: Messages("two", "2")[1..^1]) with { Transcript = TranscriptWrite.Append };

        await Assert.ThrowsAsync<RunAlreadyEndedException>(() => Runs.EndRunAsync(end, None));

        var stored = await Sessions.GetSessionAsync(SandboxA, "sess_1", UserA, None);
        AssertJsonEqual(Messages("one", "1", "two", "2"), stored?.WholeTranscriptJson);
    }

    [Fact]
    public async Task Purging_a_window_deletes_what_its_sessions_appended_to_their_transcripts()
    {
        await TwoRunsTheSecondAppendedAsync();

        var purged = await Sources.PurgeSourceAsync(SandboxA, "ds_1", deleteSource: true, T0.AddMinutes(5), None);

        Assert.Equal(1, purged.SessionsDeleted);
        Assert.Null(await Sessions.GetSessionAsync(SandboxA, "sess_1", UserA, None));
    }

    // A session whose first run wrote its transcript ("one", "1") and whose second appended to it ("two", "2").
    private async Task<(WindowRecord Window, SessionRecord Session)> TwoRunsTheSecondAppendedAsync()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var first = Run("run_1", window, session, T0.AddMinutes(1));
        await StartAsync(first, session, newSession: true, "one");
        await Runs.EndRunAsync(End(first, T0.AddMinutes(2), transcriptJson: Messages("one", "1")) with { Transcript = TranscriptWrite.First }, None);
        var second = Run("run_2", window, session, T0.AddMinutes(3));
        await StartAsync(second, session, newSession: false, "two");
        await Runs.EndRunAsync(End(second, T0.AddMinutes(4), transcriptJson: Messages("two", "2")[1..^1]) with { Transcript = TranscriptWrite.Append }, None);
        return (window, session);
    }

    [Fact]
    public async Task A_session_asked_for_at_the_version_the_caller_holds_comes_without_its_transcript_and_at_any_other_with_it()
    {
        var (window, session) = await TwoRunsTheSecondAppendedAsync();
        var whole = Messages("one", "1", "two", "2");
        var held = new TranscriptVersion("sess_1", 4);

        var byId = await Sessions.GetSessionAsync(SandboxA, "sess_1", UserA, held, None);
        var latest = await Sessions.FindLatestSessionAsync(SandboxA, "ds_1", "echo", "echo-1", held, None);
        foreach (var omitted in new[] { byId, latest })
        {
            Assert.NotNull(omitted);
            Assert.True(omitted.TranscriptOmitted);
            Assert.Equal(("", null, 4L), (omitted.TranscriptJson, omitted.AppendedJson, omitted.LastWindowSeq));
        }

        // An older version, another session's, or none: the transcript comes whole.
        foreach (var other in new TranscriptVersion?[] { new("sess_1", 2), new("sess_2", 4), null })
        {
            var stored = await Sessions.GetSessionAsync(SandboxA, "sess_1", UserA, other, None);
            Assert.False(stored?.TranscriptOmitted);
            AssertJsonEqual(whole, stored?.WholeTranscriptJson);
            AssertJsonEqual(whole, (await Sessions.FindLatestSessionAsync(SandboxA, "ds_1", "echo", "echo-1", other, None))?.WholeTranscriptJson);
        }

        // The next run's end moves the version on: what the caller held is no longer the session's.
        var third = Run("run_3", window, session, T0.AddMinutes(5));
        await StartAsync(third, session, newSession: false, "three");
        var seq = await Runs.EndRunAsync(End(third, T0.AddMinutes(6), transcriptJson: Messages("three", "3")[1..^1]) with { Transcript = TranscriptWrite.Append }, None);
        var moved = await Sessions.GetSessionAsync(SandboxA, "sess_1", UserA, held, None);
        Assert.False(moved?.TranscriptOmitted);
        AssertJsonEqual(Messages("one", "1", "two", "2", "three", "3"), moved?.WholeTranscriptJson);
        Assert.Equal(seq, moved?.LastWindowSeq);
        Assert.True((await Sessions.GetSessionAsync(SandboxA, "sess_1", UserA, new TranscriptVersion("sess_1", seq), None))?.TranscriptOmitted);
    }

    // A transcript of alternating user and assistant text messages.
    private static string Messages(params string[] texts) =>
        "[" + string.Join(",", texts.Select((text, i) => $$"""{"role":"{{(i % 2 == 0 ? "user" : "assistant")}}","contents":[{"$type":"text","text":"{{text}}"}]}""")) + "]";

    [Fact]
    public async Task Ending_a_run_records_its_outcome()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var ok = Run("run_1", window, session, T0.AddMinutes(1));
        await StartAsync(ok, session, newSession: true, "hello");
        await Runs.EndRunAsync(End(ok, T0.AddMinutes(2)), None);
        var bad = Run("run_2", window, session, T0.AddMinutes(3));
        await StartAsync(bad, session, newSession: false, "again");
        await Runs.EndRunAsync(End(bad, T0.AddMinutes(4), RunStatus.Failed), None);

        var succeeded = await Runs.GetRunAsync(SandboxA, "run_1", None);
        Assert.NotNull(succeeded);
        Assert.Equal(RunStatus.Succeeded, succeeded.Status);
        Assert.Equal(T0.AddMinutes(2), succeeded.FinishedAt);
        Assert.Equal("end_turn", succeeded.StopReason);
        AssertJsonEqual("""{"input_tokens":3,"output_tokens":7}""", succeeded.UsageJson);
        Assert.Null(succeeded.Error);
        Assert.Equal(T0.AddMinutes(1), succeeded.StartedAt);

        var failed = await Runs.GetRunAsync(SandboxA, "run_2", None);
        Assert.NotNull(failed);
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Null(failed.StopReason);
        Assert.Equal("boom", failed.Error);
    }

    [Fact]
    public async Task Ending_a_run_releases_its_window_lease()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session, T0);
        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0.AddHours(1), None));
        await StartAsync(run, session, newSession: true, "hello");

        await Runs.EndRunAsync(End(run, T0.AddSeconds(5)), None);

        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(6), T0.AddHours(1), None));
    }

    [Fact]
    public async Task Ending_a_run_leaves_another_runs_lease_alone()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session, T0);
        await StartAsync(run, session, newSession: true, "hello");
        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_other", T0, T0.AddHours(1), None));

        await Runs.EndRunAsync(End(run, T0.AddSeconds(5)), None);

        Assert.False(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(6), T0.AddHours(1), None));
    }

    [Fact]
    public async Task Turn_parts_round_trip_in_order_with_their_json()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session, T0);
        await StartAsync(run, session, newSession: true, "look it up");
        TurnPart[] parts =
        [
            TurnPart.OfText("Let me search. "),
            new(TurnPartType.ToolCall, CallId: "call_1", Name: "search", ArgumentsJson: """{"query":"ünïcode \"quoted\"","limit":3,"filters":{"tags":["a","b"]}}"""),
            new(TurnPartType.ToolResult, CallId: "call_1", Name: "search", ResultJson: """{"hits":[{"id":1,"score":0.5}],"total":1}"""),
            new(TurnPartType.ToolCall, CallId: "call_2", Name: "fetch", ArgumentsJson: "{}"),
            new(TurnPartType.ToolResult, CallId: "call_2", Name: "fetch", ResultJson: "{}", Error: "timed out"),
            TurnPart.OfText("Found one.\nDone."),
        ];

        await Runs.EndRunAsync(End(run, T0.AddSeconds(5), parts: parts), None);

        var stored = (await Windows.ListTurnsAsync(SandboxA, "ds_1", 0, 100, None))[^1].Parts;
        Assert.Equal(parts.Length, stored.Count);
        for (var i = 0; i < parts.Length; i++)
        {
            Assert.Equal(parts[i].Type, stored[i].Type);
            Assert.Equal(parts[i].Text, stored[i].Text);
            Assert.Equal(parts[i].CallId, stored[i].CallId);
            Assert.Equal(parts[i].Name, stored[i].Name);
            Assert.Equal(parts[i].Error, stored[i].Error);
            AssertJsonEqual(parts[i].ArgumentsJson, stored[i].ArgumentsJson);
            AssertJsonEqual(parts[i].ResultJson, stored[i].ResultJson);
        }
    }

    [Fact]
    public async Task Assistant_turn_without_parts_is_stored_empty()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session, T0);
        await StartAsync(run, session, newSession: true, "hello");

        await Runs.EndRunAsync(End(run, T0.AddSeconds(5), RunStatus.Cancelled), None);

        var turn = (await Windows.ListTurnsAsync(SandboxA, "ds_1", 0, 100, None))[^1];
        Assert.Equal(RunStatus.Cancelled, turn.Status);
        Assert.Empty(turn.Parts);
        Assert.Equal("", turn.Text);
    }

    [Fact]
    public async Task Listing_turns_after_a_seq_returns_only_later_turns()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        await StartAsync(Run("run_1", window, session), session, newSession: true, "a", "b", "c", "d");

        Assert.Equal([3L, 4L], (await Windows.ListTurnsAsync(SandboxA, "ds_1", 2, 100, None)).Select(t => t.Seq));
        Assert.Empty(await Windows.ListTurnsAsync(SandboxA, "ds_1", 4, 100, None));
    }

    [Fact]
    public async Task Listing_turns_reads_one_page_of_at_most_the_limit_and_pages_on_from_the_last_seq()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        await StartAsync(Run("run_1", window, session), session, newSession: true, "a", "b", "c", "d", "e");

        var first = await Windows.ListTurnsAsync(SandboxA, "ds_1", 0, 2, None);
        var second = await Windows.ListTurnsAsync(SandboxA, "ds_1", first[^1].Seq, 2, None);
        var last = await Windows.ListTurnsAsync(SandboxA, "ds_1", second[^1].Seq, 2, None);

        Assert.Equal([("a", 1L), ("b", 2L)], first.Select(t => (t.Text, t.Seq)));
        Assert.Equal([("c", 3L), ("d", 4L)], second.Select(t => (t.Text, t.Seq)));
        Assert.Equal([("e", 5L)], last.Select(t => (t.Text, t.Seq)));
        Assert.Empty(await Windows.ListTurnsAsync(SandboxA, "ds_1", 5, 2, None));
        Assert.Equal([4L, 5L], (await Windows.ListTurnsAsync(SandboxA, "ds_1", 3, 500, None)).Select(t => t.Seq));
        Assert.Empty(await Windows.ListTurnsAsync(SandboxB, "ds_1", 0, 2, None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Windows.ListTurnsAsync(SandboxA, "ds_1", 0, -1, None));
    }

    [Fact]
    public async Task Turns_of_another_sandboxs_window_are_not_listed()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        await StartAsync(Run("run_1", window, session), session, newSession: true, "secret");

        Assert.Empty(await Windows.ListTurnsAsync(SandboxB, "ds_1", 0, 100, None));
    }

    [Fact]
    public async Task Concurrent_appends_to_one_window_get_distinct_sequence_numbers()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        await StartAsync(Run("run_0", window, session), session, newSession: true, "first");

        var starts = Enumerable.Range(1, 6)
            .Select(i => Task.Run(() => StartAsync(Run($"run_{i}", window, session, T0.AddSeconds(i)), session, newSession: false, $"message {i}")))
            .ToList();
        var seqs = (await Task.WhenAll(starts)).SelectMany(s => s).Order().ToList();

        Assert.Equal([2L, 3L, 4L, 5L, 6L, 7L], seqs);
        Assert.Equal(7, (await Windows.ListTurnsAsync(SandboxA, "ds_1", 0, 100, None)).Count);
    }

    [Fact]
    public async Task Ending_a_run_stores_its_memory_job_completed_with_the_chunks_that_were_new()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session, T0);
        await StartAsync(run, session, newSession: true, "hello");
        await IndexAsync("job_0", Chunk("chunk:old", "said before", dataSourceId: "ds_1", endUserId: UserA));
        var done = T0.AddSeconds(5);

        await Runs.EndRunAsync(End(run, done) with { Memory = MemoryJob("job_1"), MemoryChunks = MemoryChunks("said before", "said now", "said now") }, None);

        var job = await Ingest.GetJobAsync(SandboxA, "job_1", None);
        Assert.Equal((IngestStatus.Completed, done), (job!.Status, job.CompletedAt!.Value));
        AssertJsonEqual("""{"chunks":3,"indexed":1,"duplicates":2}""", job.ResultJson);
        Assert.Equal(["mem:2"], (await Content.GetChunksAsync(SandboxA, ["mem:1", "mem:2", "mem:3"], UserA, None)).Select(c => c.Id));
        Assert.Null(await Ingest.ClaimNextAsync(done.AddHours(1), done.AddHours(2), 1, None));
    }

    [Fact]
    public async Task Ending_a_run_whose_memory_could_not_be_chunked_leaves_its_job_queued_for_a_worker()
    {
        await SeedTenantsAsync();
        var window = await CreateWindowAsync("ds_1");
        var session = Session("sess_1", window);
        var run = Run("run_1", window, session, T0);
        await StartAsync(run, session, newSession: true, "hello");

        Assert.Equal(2, await Runs.EndRunAsync(End(run, T0.AddSeconds(5)) with { Memory = MemoryJob("job_1") }, None));

        Assert.Equal(IngestStatus.Queued, (await Ingest.GetJobAsync(SandboxA, "job_1", None))!.Status);
        Assert.Equal("job_1", (await Ingest.ClaimNextAsync(T0.AddMinutes(1), T0.AddMinutes(2), 1, None))?.Id);
    }

    /// <summary>A conversation-memory job of ds_1 for UserA.</summary>
    protected static IngestJobRecord MemoryJob(string id) =>
        Job(id) with { DataSourceId = "ds_1", EndUserId = UserA, SourceType = "conversation", Speaker = "User" };

    /// <summary>The chunks of job_1 in ds_1 for UserA, named mem:1, mem:2, ….</summary>
    protected static JobChunks MemoryChunks(params string[] texts) =>
        new([.. texts.Select((text, i) => Chunk($"mem:{i + 1}", text, dataSourceId: "ds_1", endUserId: UserA) with { JobId = "job_1" })],
            $$"""{"chunks":{{texts.Length}}}""");
}
