using Microsoft.Extensions.AI;
using Portage.Testing;

namespace Portage.Server.Tests.Rules;

/// <summary>Rule 5: a session_id of another provider continues its window on the new provider in a fresh session.</summary>
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
}
