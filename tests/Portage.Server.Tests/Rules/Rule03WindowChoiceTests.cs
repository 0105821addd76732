using Portage.Testing;

namespace Portage.Server.Tests.Rules;

/// <summary>Rule 3: the window of a run, first match wins: window id, session, new_window, active window, new window.</summary>
public sealed class Rule03WindowChoiceTests
{
    [Fact]
    public async Task First_run_of_an_end_user_creates_a_window()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("hello"));
        Assert.StartsWith("ds_", run.WindowId, StringComparison.Ordinal);
        Assert.Equal(run.WindowId, run.Terminal.Json.GetProperty("context_window_id").GetString());
    }

    [Fact]
    public async Task Run_without_session_continues_the_end_users_active_window()
    {
        using var app = new PortageApp();
        var first = await app.RunAsync(Runs.Body("one"));
        var second = await app.RunAsync(Runs.Body("two", provider: "mirror"));
        Assert.Equal(first.WindowId, second.WindowId);
        Assert.Contains("received 2 prior turns", second.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task New_window_true_starts_a_fresh_window_which_becomes_the_active_one()
    {
        using var app = new PortageApp();
        var first = await app.RunAsync(Runs.Body("one"));
        var fresh = await app.RunAsync(Runs.Body("two", newWindow: true));
        var third = await app.RunAsync(Runs.Body("three"));
        Assert.NotEqual(first.WindowId, fresh.WindowId);
        Assert.Contains("received 0 prior turns", fresh.Text, StringComparison.Ordinal);
        Assert.Equal(fresh.WindowId, third.WindowId);
    }

    [Fact]
    public async Task Session_id_selects_its_window_even_when_another_is_active()
    {
        using var app = new PortageApp();
        var first = await app.RunAsync(Runs.Body("one"));
        await app.RunAsync(Runs.Body("two", newWindow: true));
        var back = await app.RunAsync(Runs.Body("three", session: first.SessionId));
        Assert.Equal(first.WindowId, back.WindowId);
    }

    [Fact]
    public async Task Context_window_id_wins_over_everything_else()
    {
        using var app = new PortageApp();
        var first = await app.RunAsync(Runs.Body("one"));
        var other = await app.RunAsync(Runs.Body("two", newWindow: true));
        var chosen = await app.RunAsync(Runs.Body("three", window: first.WindowId, session: other.SessionId, newWindow: true));
        Assert.Equal(first.WindowId, chosen.WindowId);
    }
}
