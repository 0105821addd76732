using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Server.Tests.Rules;
using Portage.Testing;

namespace Portage.Server.Tests.Streams;

/// <summary>Issue 5, scope 3: POST …/cancel stops a run, and the cancellation reaches the provider call.</summary>
public sealed class CancelTests
{
    [Fact]
    public async Task Cancel_stops_a_running_run_reaches_the_provider_and_ends_every_stream_with_run_cancelled()
    {
        var gate = new Gate();
        using var app = new PortageApp([Providers.Scripted(new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) })]);
        var (response, reader, seen) = await StreamKit.StartAndReadAsync(app.Client, app.RunPath(), Runs.Body("go on and on", provider: "scripted"), count: 2);
        using (response)
        {
            var runId = seen[0].Json.GetProperty("run_id").GetString()!;

            using var cancel = await app.Client.PostAsync(app.CancelPath(runId), null);
            var info = await cancel.Content.ReadFromJsonAsync<JsonElement>();

            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
            Assert.Equal("cancelled", info.GetProperty("status").GetString());
            await gate.Cancelled.WaitAsync(StreamKit.Patience);
            var rest = await StreamKit.RestAsync(reader);
            var terminal = Assert.Single(rest);
            Assert.Equal(("agent_error", "run_cancelled"), (terminal.Event, terminal.Json.GetProperty("type").GetString()));
            var turns = await app.TurnsAsync(seen[0].Json.GetProperty("context_window_id").GetString()!);
            Assert.Equal(("partial", "cancelled"), (turns[1].GetProperty("text").GetString(), turns[1].GetProperty("status").GetString()));
            await reader.DisposeAsync();
        }
    }

    [Fact]
    public async Task Cancelling_an_ended_run_returns_it_unchanged_and_an_unknown_or_foreign_run_is_not_found()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("done already"));
        var runId = run.Frames[0].Json.GetProperty("run_id").GetString()!;

        using var ended = await app.Client.PostAsync(app.CancelPath(runId), null);
        using var missing = await app.Client.PostAsync(app.CancelPath("run_nope"), null);
        using var foreign = await app.Client.PostAsync($"/api/v1/storage/sandboxes/sb_other/agents/runs/{runId}/cancel", null);

        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        Assert.Equal("succeeded", (await ended.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal((404, "run_not_found"), Pick(await Runs.ErrorOf(missing)));
        Assert.Equal(404, (int)foreign.StatusCode);
    }

    private static (int, string) Pick((int Status, string Error, string Detail) e) => (e.Status, e.Error);
}
