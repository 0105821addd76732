using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Rules;

/// <summary>
/// Rule 9: archived windows keep their turns and are never chosen as the active window; a run naming an explicitly
/// archived window gets 409 window_archived, one naming a window archived for inactivity reactivates it.
/// </summary>
public sealed class Rule09ArchiveTests
{
    [Fact]
    public async Task Explicitly_archived_window_is_refused_when_named_readable_and_never_chosen_again()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("hello"));
        using var archive = await app.Client.PostAsync(SourcePath(app, run.WindowId, "archive"), null);
        Assert.Equal(HttpStatusCode.OK, archive.StatusCode);

        var named = await app.RunErrorAsync(Runs.Body("again", session: run.SessionId));
        Assert.Equal((409, "window_archived"), (named.Status, named.Error));
        Assert.Equal(2, (await app.TurnsAsync(run.WindowId)).GetArrayLength());

        var fresh = await app.RunAsync(Runs.Body("again"));
        Assert.NotEqual(run.WindowId, fresh.WindowId);
    }

    [Fact]
    public async Task Archive_is_idempotent_and_disconnect_is_an_alias()
    {
        using var app = new PortageApp();
        var a = await app.RunAsync(Runs.Body("a"));
        var b = await app.RunAsync(Runs.Body("b", newWindow: true));
        foreach (var path in new[] { SourcePath(app, a.WindowId, "archive"), SourcePath(app, a.WindowId, "archive"), SourcePath(app, b.WindowId, "disconnect") })
        {
            using var response = await app.Client.PostAsync(path, null);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("success").GetBoolean());
        }

        Assert.Equal("archived", (await SourceAsync(app, a.WindowId)).GetProperty("status").GetString());
        Assert.Equal("disconnected", (await SourceAsync(app, b.WindowId)).GetProperty("status").GetString());
        Assert.Equal((409, "window_archived"), await StatusOf(app.RunErrorAsync(Runs.Body("x", window: b.WindowId))));
    }

    [Fact]
    public async Task Window_archived_for_inactivity_is_reactivated_by_a_run_that_names_it()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("yesterday"));
        using var sweep = await app.Client.PostAsync($"/api/v1/storage/sandboxes/{app.SandboxId}/sources/_sweep_ephemeral?inactivity_seconds=0", null);
        var swept = await sweep.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((1, 0L), (swept.GetProperty("archived_count").GetInt32(), swept.GetProperty("inactivity_seconds").GetInt64()));
        var archived = await SourceAsync(app, run.WindowId);
        Assert.Equal(("archived", "inactivity"), (archived.GetProperty("status").GetString(), archived.GetProperty("archived_reason").GetString()));

        var resumed = await app.RunAsync(Runs.Body("today", session: run.SessionId));
        Assert.Equal(run.WindowId, resumed.WindowId);
        Assert.Contains("received 2 prior turns", resumed.Text, StringComparison.Ordinal);
        Assert.Equal("active", (await SourceAsync(app, run.WindowId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Background_sweeper_archives_inactive_windows()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Windows:SweepIntervalSeconds"] = "0.1", ["Windows:InactivitySeconds"] = "0" });
        var run = await app.RunAsync(Runs.Body("hello"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await SourceAsync(app, run.WindowId)).GetProperty("status").GetString() != "archived")
        {
            Assert.True(DateTime.UtcNow < deadline, "the sweeper did not archive the window within 10 s");
            await Task.Delay(100);
        }
    }

    internal static string SourcePath(PortageApp app, string id, string action) => $"/api/v1/storage/sandboxes/{app.SandboxId}/sources/{id}/{action}";

    private static Task<JsonElement> SourceAsync(PortageApp app, string id) =>
        app.Client.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{app.SandboxId}/sources/{id}");

    private static async Task<(int, string)> StatusOf(Task<(int Status, string Error, string Detail)> error)
    {
        var (status, type, _) = await error;
        return (status, type);
    }
}
