using Portage.Testing;

namespace Portage.Server.Tests.Sources;

/// <summary>
/// <c>POST …/sources/{id}/pause|resume|disconnect|archive</c>: <c>StatusResponse</c>; pause and resume are idempotent,
/// archive and disconnect are idempotent and final, so pause or resume after them answers 409 <c>source_closed</c>.
/// </summary>
public sealed class StatusTests
{
    [Fact]
    public async Task Pause_and_resume_switch_the_status_and_are_idempotent()
    {
        using var app = new PortageApp();
        var id = (await app.RegisterAsync("""{"provider": "slack", "name": "chat"}""")).Id();

        foreach (var (action, status) in new[] { ("pause", "paused"), ("pause", "paused"), ("resume", "active"), ("resume", "active") })
        {
            var (code, body) = await app.PostJsonAsync(app.SourcePath(id, action), null);
            Assert.Equal(200, code);
            Assert.True(body.GetProperty("success").GetBoolean());
            Assert.Contains(status, body.Str("message"), StringComparison.Ordinal);
            Assert.Equal(status, (await app.SourceAsync(id)).Str("status"));
        }
    }

    [Theory]
    [InlineData("disconnect", "disconnected")]
    [InlineData("archive", "archived")]
    public async Task After_an_explicit_close_pause_and_resume_answer_409_and_closing_again_succeeds(string close, string status)
    {
        using var app = new PortageApp();
        var id = (await app.RegisterAsync("""{"provider": "github", "name": "repo"}""")).Id();
        await app.PostJsonAsync(app.SourcePath(id, "pause"), null);

        Assert.Equal(200, (await app.PostJsonAsync(app.SourcePath(id, close), null)).Status);
        var source = await app.SourceAsync(id);
        Assert.Equal((status, "explicit"), (source.Str("status"), source.Str("archived_reason")));

        Assert.Equal((409, "source_closed"), (await app.PostJsonAsync(app.SourcePath(id, "resume"), null)).Error());
        Assert.Equal((409, "source_closed"), (await app.PostJsonAsync(app.SourcePath(id, "pause"), null)).Error());
        foreach (var again in new[] { "archive", "disconnect" })
        {
            var (code, body) = await app.PostJsonAsync(app.SourcePath(id, again), null);
            Assert.Equal(200, code);
            Assert.Contains("already", body.Str("message"), StringComparison.Ordinal);
        }

        Assert.Equal(status, (await app.SourceAsync(id)).Str("status"));
    }

    [Fact]
    public async Task Resume_brings_back_a_window_archived_for_inactivity()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("hello"));
        await app.PostJsonAsync(app.SourcesPath() + "/_sweep_ephemeral?inactivity_seconds=0", null);
        Assert.Equal("inactivity", (await app.SourceAsync(run.WindowId)).Str("archived_reason"));

        Assert.Equal(200, (await app.PostJsonAsync(app.SourcePath(run.WindowId, "resume"), null)).Status);

        var window = await app.SourceAsync(run.WindowId);
        Assert.Equal("active", window.Str("status"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, window.GetProperty("archived_reason").ValueKind);
    }

    [Theory]
    [InlineData("pause")]
    [InlineData("resume")]
    [InlineData("archive")]
    [InlineData("disconnect")]
    public async Task Status_calls_on_an_unknown_source_answer_404(string action)
    {
        using var app = new PortageApp();

        Assert.Equal((404, "source_not_found"), (await app.PostJsonAsync(app.SourcePath("ds_nope", action), null)).Error());
    }
}
