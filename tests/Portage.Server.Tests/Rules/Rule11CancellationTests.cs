using Portage.Testing;

namespace Portage.Server.Tests.Rules;

/// <summary>Rule 11: a client disconnect cancels the provider call and the run is recorded cancelled with its partial text.</summary>
public sealed class Rule11CancellationTests
{
    [Fact]
    public async Task Client_disconnect_cancels_the_provider_and_records_the_partial_text_as_cancelled()
    {
        var gate = new Gate();
        using var app = new PortageApp([Providers.Scripted(new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) })]);
        var response = await SseFrames.StartRunAsync(app.Client, app.RunPath(), Runs.Body("long", provider: "scripted"));
        var started = await Rule08OneRunPerWindowTests.FirstFrameAsync(response);
        response.Dispose();

        await gate.Cancelled.WaitAsync(TimeSpan.FromSeconds(10));
        var windowId = started.GetProperty("context_window_id").GetString()!;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await app.TurnsAsync(windowId)).GetArrayLength() < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the cancelled run was not recorded");
            await Task.Delay(50);
        }

        var assistant = (await app.TurnsAsync(windowId))[1];
        Assert.Equal(("partial", "cancelled"), (assistant.GetProperty("text").GetString(), assistant.GetProperty("status").GetString()));
        var next = await app.RunAsync(Runs.Body("are you there?"));
        Assert.True(next.Finished);
    }
}
