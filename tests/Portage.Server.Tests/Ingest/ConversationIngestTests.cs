using System.Net.Http.Json;
using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Ingest;

/// <summary>
/// Scope 9: ingesting <c>source_type: conversation</c> into a context window (the Copass <c>window.addTurn</c>) appends a
/// turn to it and indexes the turn as memory of the window's end user only.
/// </summary>
public sealed class ConversationIngestTests
{
    [Fact]
    public async Task A_conversation_ingest_appends_a_turn_that_the_next_run_sees()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("hello", endUser: "u-1"));

        var user = await app.IngestAsync(new { text = "My dog is called Biscuit.", source_type = "conversation", data_source_id = run.WindowId, speaker = "User", participants = new[] { "User", "Assistant" } });
        var assistant = await app.IngestAsync(new { text = "Noted: Biscuit.", source_type = "conversation", data_source_id = run.WindowId, speaker = "Assistant" });
        var next = await app.RunAsync(Runs.Body("what is my dog called?", endUser: "u-1", window: run.WindowId));
        var named = await app.IngestAsync(new { text = "I am Ada.", source_type = "conversation", data_source_id = run.WindowId, speaker = "Ada" });

        Assert.Equal((3L, 4L, 7L), (user.GetProperty("turn_seq").GetInt64(), assistant.GetProperty("turn_seq").GetInt64(), named.GetProperty("turn_seq").GetInt64()));
        Assert.Equal(run.WindowId, user.GetProperty("data_source_id").GetString());
        Assert.Contains("received 4 prior turns", next.Text, StringComparison.Ordinal);
        var turns = (await app.TurnsAsync(run.WindowId, "u-1")).EnumerateArray()
            .Select(t => (Role: t.GetProperty("role").GetString(), Speaker: t.GetProperty("speaker").GetString(), Text: t.GetProperty("text").GetString()))
            .ToList();
        Assert.Equal([("user", "User", "My dog is called Biscuit."), ("assistant", "Assistant", "Noted: Biscuit.")], turns[2..4]);
        Assert.Equal(("user", "Ada", "I am Ada."), turns[6]);
    }

    [Fact]
    public async Task The_turn_becomes_memory_of_the_windows_end_user_only()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("hello", endUser: "u-1"));

        var job = await app.WaitForJobAsync((await app.IngestAsync(new { text = "My dog is called Biscuit.", source_type = "conversation", data_source_id = run.WindowId, speaker = "User" }))
            .GetProperty("status_url").GetString()!);

        Assert.Equal(("completed", "conversation"), (job.GetProperty("status").GetString(), job.GetProperty("result").GetProperty("chunking").GetString()));
        var mine = Assert.Single(await IngestEndpointTests.Search(app, "biscuit", "u-1"));
        Assert.Equal(("u-1", run.WindowId, "conversation", "conversation › User"), (mine.Chunk.EndUserId, mine.Chunk.DataSourceId, mine.Chunk.SourceType, mine.Chunk.Breadcrumb));
        Assert.Empty(await IngestEndpointTests.Search(app, "biscuit", "u-2"));
        Assert.Empty(await IngestEndpointTests.Search(app, "biscuit"));
    }

    [Fact]
    public async Task Legacy_role_prefixed_turns_without_a_speaker_are_understood()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("hello", endUser: "u-1"));

        await app.IngestAsync(new { text = "assistant: Here is the summary.", source_type = "conversation", data_source_id = run.WindowId });

        var last = (await app.TurnsAsync(run.WindowId)).EnumerateArray().Last();
        Assert.Equal(("assistant", "Assistant", "Here is the summary."),
            (last.GetProperty("role").GetString(), last.GetProperty("speaker").GetString(), last.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Another_end_users_window_answers_as_missing()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("hello", endUser: "u-1"));

        using var response = await app.Client.PostAsJsonAsync(app.IngestPath(),
            new { text = "sneaky", source_type = "conversation", data_source_id = run.WindowId, end_user_id = "u-2" });

        var (status, error, _) = await Runs.ErrorOf(response);
        Assert.Equal((404, "source_not_found"), (status, error));
        Assert.Equal(2, (await app.TurnsAsync(run.WindowId)).GetArrayLength());
    }

    [Fact]
    public async Task A_closed_window_takes_no_more_turns_and_one_archived_for_inactivity_comes_back()
    {
        using var app = new PortageApp();
        var closed = await app.RunAsync(Runs.Body("one", endUser: "u-1"));
        var idle = await app.RunAsync(Runs.Body("two", endUser: "u-1", newWindow: true));
        using (await app.Client.PostAsync($"/api/v1/storage/sandboxes/{app.SandboxId}/sources/{closed.WindowId}/disconnect", null))
        using (await app.Client.PostAsync($"/api/v1/storage/sandboxes/{app.SandboxId}/sources/_sweep_ephemeral?inactivity_seconds=0", null))
        {
        }

        using var refused = await app.Client.PostAsJsonAsync(app.IngestPath(), new { text = "late", source_type = "conversation", data_source_id = closed.WindowId });
        await app.IngestAsync(new { text = "back again", source_type = "conversation", data_source_id = idle.WindowId });

        var (status, error, _) = await Runs.ErrorOf(refused);
        Assert.Equal((409, "window_archived"), (status, error));
        var source = await app.Client.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{app.SandboxId}/sources/{idle.WindowId}");
        Assert.Equal(("active", 3), (source.GetProperty("status").GetString(), source.GetProperty("turn_count").GetInt32()));
    }

    [Fact]
    public async Task A_paused_window_refuses_an_added_turn_with_409_window_paused_as_it_refuses_a_run_and_stays_paused()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("one", endUser: "u-1"));
        var window = $"/api/v1/storage/sandboxes/{app.SandboxId}/sources/{run.WindowId}";
        using (await app.Client.PostAsync(window + "/pause", null))
        {
        }

        using var refused = await app.Client.PostAsJsonAsync(app.IngestPath(), new { text = "late", source_type = "conversation", data_source_id = run.WindowId });
        var runRefused = await app.RunErrorAsync(Runs.Body("two", endUser: "u-1", window: run.WindowId));

        var (status, error, detail) = await Runs.ErrorOf(refused);
        Assert.Equal((409, "window_paused"), (status, error));
        Assert.Contains("/resume", detail, StringComparison.Ordinal);
        Assert.Equal((409, "window_paused"), (runRefused.Status, runRefused.Error));
        var paused = await app.Client.GetFromJsonAsync<JsonElement>(window);
        Assert.Equal(("paused", 2), (paused.GetProperty("status").GetString(), paused.GetProperty("turn_count").GetInt32()));

        using (await app.Client.PostAsync(window + "/resume", null))
        {
        }

        await app.IngestAsync(new { text = "after the resume", source_type = "conversation", data_source_id = run.WindowId });
        var resumed = await app.Client.GetFromJsonAsync<JsonElement>(window);
        Assert.Equal(("active", 3), (resumed.GetProperty("status").GetString(), resumed.GetProperty("turn_count").GetInt32()));
    }

    [Fact]
    public async Task Other_content_ingested_into_a_window_is_private_to_its_end_user_and_adds_no_turn()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("hello", endUser: "u-1"));

        var accepted = await app.IngestAsync(new { text = "# Notes\n\nThe locker code is 4711.", source_type = "markdown", data_source_id = run.WindowId, file_path = "notes.md" });
        await app.WaitForJobAsync(accepted.GetProperty("status_url").GetString()!);

        Assert.False(accepted.TryGetProperty("turn_seq", out _));
        Assert.Equal(2, (await app.TurnsAsync(run.WindowId)).GetArrayLength());
        Assert.Single(await IngestEndpointTests.Search(app, "locker", "u-1"));
        Assert.Empty(await IngestEndpointTests.Search(app, "locker"));
    }
}
