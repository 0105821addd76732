using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Sources;

/// <summary>
/// Scope 9: the Context Window API of Copass clients. <c>contextWindow.create</c> registers an ephemeral source, which
/// runs then use by <c>context_window_id</c>; it is bound to <c>end_user_id</c> given at creation or to the end user of its
/// first run. Durable sources are never windows: runs and the sweeper leave them alone.
/// </summary>
public sealed class ContextWindowApiTests
{
    // Byte for byte what @copass/core's contextWindow.create sends.
    private const string CopassCreate = """{"provider":"custom","name":"window-1767225600000","ingestion_mode":"manual","kind":"ephemeral"}""";

    [Fact]
    public async Task Copass_contextWindow_create_makes_a_window_bound_to_the_end_user_of_its_first_run()
    {
        using var app = new PortageApp();

        var created = await app.RegisterAsync(CopassCreate);

        Assert.Equal(("custom", "window-1767225600000", "manual", "ephemeral", "active"),
            (created.Str("provider"), created.Str("name"), created.Str("ingestion_mode"), created.Str("kind"), created.Str("status")));
        Assert.Equal(JsonValueKind.Null, created.GetProperty("end_user_id").ValueKind);
        Assert.Equal(0, created.GetProperty("turn_count").GetInt32());

        var first = await app.RunAsync(Runs.Body("remember the blue door", "alice", window: created.Id()));
        Assert.True(first.Finished);
        Assert.Equal(created.Id(), first.WindowId);
        Assert.Equal(created.Id(), first.Terminal.Json.Str("context_window_id"));
        var bound = await app.SourceAsync(created.Id());
        Assert.Equal(("alice", 2), (bound.Str("end_user_id"), bound.GetProperty("turn_count").GetInt32()));

        var second = await app.RunAsync(Runs.Body("what door?", "alice", window: created.Id()));
        Assert.Equal(created.Id(), second.WindowId);
        Assert.Contains("received 2 prior turns", second.Text, StringComparison.Ordinal);

        var bob = await app.RunErrorAsync(Runs.Body("hi", "bob", window: created.Id()));
        Assert.Equal((404, "window_not_found"), (bob.Status, bob.Error));
        Assert.Equal([created.Id()], await app.ListIdsAsync("?kind=ephemeral&end_user_id=alice"));
    }

    [Fact]
    public async Task A_window_created_with_an_end_user_is_bound_to_it_at_once()
    {
        using var app = new PortageApp();

        var created = await app.RegisterAsync("""{"provider":"custom","name":"support","kind":"ephemeral","end_user_id":"org_1:user_7"}""");

        Assert.Equal("org_1:user_7", created.Str("end_user_id"));
        Assert.Equal((404, "window_not_found"), await app.RunErrorAsync(Runs.Body("hi", "alice", window: created.Id())).Status());
        var run = await app.RunAsync(Runs.Body("hi", "org_1:user_7", window: created.Id()));
        Assert.Equal(created.Id(), run.WindowId);
        Assert.Equal(2, (await app.TurnsAsync(created.Id(), "org_1:user_7")).GetArrayLength());
    }

    [Fact]
    public async Task A_window_without_a_name_gets_the_copass_default_name()
    {
        using var app = new PortageApp();

        var created = await app.RegisterAsync("""{"provider":"custom","kind":"ephemeral"}""");

        Assert.Matches("^window-[0-9]{13}$", created.Str("name"));
    }

    [Fact]
    public async Task A_durable_source_named_as_context_window_id_is_refused_with_400()
    {
        using var app = new PortageApp();
        var durable = (await app.RegisterAsync("""{"provider":"github","name":"repo"}""")).Id();

        var run = await app.RunErrorAsync(Runs.Body("hi", window: durable));
        var turns = await app.GetJsonAsync(app.SourcePath(durable, "turns"));

        Assert.Equal((400, "not_a_context_window"), (run.Status, run.Error));
        Assert.Contains("kind: ephemeral", run.Detail, StringComparison.Ordinal);
        Assert.Equal((400, "not_a_context_window"), turns.Error());
        Assert.Equal(JsonValueKind.Null, (await app.SourceAsync(durable)).GetProperty("turn_count").ValueKind);
    }

    [Fact]
    public async Task Runs_refuse_a_paused_window_until_it_is_resumed_and_never_pick_it_implicitly()
    {
        using var app = new PortageApp();
        var first = await app.RunAsync(Runs.Body("hello"));
        Assert.Equal(200, (await app.PostJsonAsync(app.SourcePath(first.WindowId, "pause"), null)).Status);

        Assert.Equal((409, "window_paused"), await app.RunErrorAsync(Runs.Body("named", window: first.WindowId)).Status());
        Assert.Equal((409, "window_paused"), await app.RunErrorAsync(Runs.Body("by session", session: first.SessionId)).Status());
        var implicitRun = await app.RunAsync(Runs.Body("implicit"));
        Assert.NotEqual(first.WindowId, implicitRun.WindowId);

        Assert.Equal(200, (await app.PostJsonAsync(app.SourcePath(first.WindowId, "resume"), null)).Status);
        var resumed = await app.RunAsync(Runs.Body("back", session: first.SessionId));
        Assert.Equal(first.WindowId, resumed.WindowId);
        Assert.Contains("received 2 prior turns", resumed.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_window_refuses_runs_like_an_archived_one()
    {
        using var app = new PortageApp();
        var created = await app.RegisterAsync(CopassCreate);
        await app.RunAsync(Runs.Body("hello", window: created.Id()));

        // window.close() of a Copass client.
        Assert.Equal(200, (await app.PostJsonAsync(app.SourcePath(created.Id(), "disconnect"), null)).Status);

        Assert.Equal((409, "window_archived"), await app.RunErrorAsync(Runs.Body("again", window: created.Id())).Status());
        Assert.Equal(2, (await app.TurnsAsync(created.Id())).GetArrayLength());
    }

    [Fact]
    public async Task The_sweep_archives_inactive_windows_only()
    {
        using var app = new PortageApp();
        var durable = (await app.RegisterAsync("""{"provider":"github","name":"repo"}""")).Id();
        var unused = (await app.RegisterAsync(CopassCreate)).Id();
        var used = (await app.RunAsync(Runs.Body("hello"))).WindowId;

        var (status, sweep) = await app.PostJsonAsync(app.SourcesPath() + "/_sweep_ephemeral?inactivity_seconds=0", null);

        Assert.Equal(200, status);
        Assert.Equal(2, sweep.GetProperty("archived_count").GetInt32());
        Assert.Equal("active", (await app.SourceAsync(durable)).Str("status"));
        Assert.Equal(("archived", "inactivity"), ((await app.SourceAsync(unused)).Str("status"), (await app.SourceAsync(unused)).Str("archived_reason")));
        Assert.Equal("archived", (await app.SourceAsync(used)).Str("status"));
    }

    [Fact]
    public async Task A_sweep_with_an_inactivity_longer_than_the_calendar_archives_nothing()
    {
        using var app = new PortageApp();
        var window = (await app.RegisterAsync(CopassCreate)).Id();

        var (status, sweep) = await app.PostJsonAsync(app.SourcesPath() + $"/_sweep_ephemeral?inactivity_seconds={long.MaxValue}", null);

        Assert.Equal(200, status);
        Assert.Equal(0, sweep.GetProperty("archived_count").GetInt32());
        Assert.Equal("active", (await app.SourceAsync(window)).Str("status"));
    }

    [Fact]
    public async Task Background_sweeper_leaves_durable_sources_alone()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Windows:SweepIntervalSeconds"] = "0.1", ["Windows:InactivitySeconds"] = "0" });
        var durable = (await app.RegisterAsync("""{"provider":"github","name":"repo"}""")).Id();
        var window = (await app.RegisterAsync(CopassCreate)).Id();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await app.SourceAsync(window)).Str("status") != "archived")
        {
            Assert.True(DateTime.UtcNow < deadline, "the sweeper did not archive the window within 10 s");
            await Task.Delay(100);
        }

        Assert.Equal("active", (await app.SourceAsync(durable)).Str("status"));
    }
}
