using Microsoft.Extensions.AI;
using Portage.Testing;

namespace Portage.Server.Tests.Rules;

/// <summary>
/// Rule 5: a session_id of another provider, or of another model of the same provider, continues its window in a fresh
/// session on the run's provider and model.
/// </summary>
public sealed class Rule05ProviderSwitchTests
{
    [Fact]
    public async Task Session_of_another_provider_continues_the_same_window_in_a_new_session()
    {
        var provider = new ScriptedChatClient();
        using var app = new PortageApp([Providers.Scripted(provider)]);
        var onEcho = await app.RunAsync(Runs.Body("Summarize my issues"));
        var switched = await app.RunAsync(Runs.Body("Which are blocked?", provider: "scripted", session: onEcho.SessionId));

        Assert.True(switched.Finished);
        Assert.Equal(onEcho.WindowId, switched.WindowId);
        Assert.NotEqual(onEcho.SessionId, switched.SessionId);
        Assert.Equal("scripted", switched.Terminal.Json.GetProperty("provider").GetString());
        Assert.Equal(["Summarize my issues", onEcho.Text, "Which are blocked?"],
            provider.LastMessages.Where(m => m.Role != ChatRole.System).Select(m => m.Text));
    }

    [Fact]
    public async Task Switching_back_continues_the_first_providers_session_with_the_gap_caught_up()
    {
        using var app = new PortageApp();
        var echo1 = await app.RunAsync(Runs.Body("one"));
        var mirror = await app.RunAsync(Runs.Body("two", provider: "mirror", session: echo1.SessionId));
        var echo2 = await app.RunAsync(Runs.Body("three", session: echo1.SessionId));

        Assert.Equal(echo1.SessionId, echo2.SessionId);
        Assert.Contains("received 4 prior turns", echo2.Text, StringComparison.Ordinal);
        Assert.Contains("Mirror (model mirror-1)", echo2.Text, StringComparison.Ordinal);
        Assert.Equal(mirror.WindowId, echo2.WindowId);
    }

    [Fact]
    public async Task Session_of_another_model_of_the_same_provider_continues_the_window_in_a_new_session_and_the_old_one_stays_valid()
    {
        using var app = new PortageApp();
        var first = await app.RunAsync(Runs.Body("one", model: "echo-1"));
        var other = await app.RunAsync(Runs.Body("two", session: first.SessionId, model: "echo-2"));
        var back = await app.RunAsync(Runs.Body("three", session: first.SessionId, model: "echo-1"));

        Assert.Equal((first.WindowId, first.WindowId), (other.WindowId, back.WindowId));
        Assert.NotEqual(first.SessionId, other.SessionId);
        Assert.Contains("(model echo-2) received 2 prior turns", other.Text, StringComparison.Ordinal);
        Assert.Equal(first.SessionId, back.SessionId);
        Assert.Contains("received 4 prior turns", back.Text, StringComparison.Ordinal);
    }
}
