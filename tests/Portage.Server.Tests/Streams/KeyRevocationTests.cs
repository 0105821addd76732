using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Server.Tests.Rules;
using Portage.Server.Tests.Tenancy;
using Portage.Testing;

namespace Portage.Server.Tests.Streams;

/// <summary>
/// Issue 17, finding 8: revoking a key ends the run streams opened with it (POST …/agents/run and GET …/events) with a
/// final <c>agent_error</c> of type <c>key_revoked</c>; the run then follows its <c>on_disconnect</c> policy, as for a
/// disconnect. Other keys' streams go on.
/// </summary>
public sealed class KeyRevocationTests
{
    [Fact]
    public async Task Revoking_a_key_ends_the_run_stream_it_opened_with_key_revoked_and_cancels_the_run()
    {
        var gate = new Gate();
        using var app = new PortageApp([Providers.Scripted(new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) })]);
        var (created, keyId) = await app.CreateKeyAsync("backend");
        using var backend = app.ClientWith(created);
        var (response, reader, seen) = await StreamKit.StartAndReadAsync(backend, app.RunPath(), Runs.Body("go on and on", provider: "scripted"), count: 2);
        using (response)
        {
            var runId = seen[0].Json.GetProperty("run_id").GetString()!;

            await RevokeAsync(app, keyId);
            var rest = await StreamKit.RestAsync(reader);

            var terminal = Assert.Single(rest);
            Assert.Equal(("agent_error", "key_revoked"), (terminal.Event, terminal.Json.GetProperty("type").GetString()));
            Assert.Null(terminal.Id); // not a frame of the run: a resume from the last id the client has misses nothing
            await gate.Cancelled.WaitAsync(StreamKit.Patience);
            Assert.Equal("cancelled", await StatusWhenStoppedAsync(app, runId));
            await reader.DisposeAsync();
        }
    }

    [Fact]
    public async Task With_on_disconnect_continue_the_run_goes_on_and_another_key_reads_it_to_the_end()
    {
        var gate = new Gate();
        using var app = new PortageApp([Providers.Scripted(new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) })]);
        var (created, keyId) = await app.CreateKeyAsync("backend");
        using var backend = app.ClientWith(created);
        var body = Runs.Body("go on", provider: "scripted").With("on_disconnect", "continue");
        var (response, reader, seen) = await StreamKit.StartAndReadAsync(backend, app.RunPath(), body, count: 2);
        using (response)
        {
            var runId = seen[0].Json.GetProperty("run_id").GetString()!;

            await RevokeAsync(app, keyId);
            var ended = await StreamKit.RestAsync(reader);
            gate.Open();
            var rest = await StreamKit.ResumeAsync(app.Client, app.EventsPath(runId), seen[^1].Id);

            Assert.Equal("key_revoked", Assert.Single(ended).Json.GetProperty("type").GetString());
            Assert.Equal("agent_finish", rest[^1].Event);
            Assert.Equal("partial done", seen.Concat(rest).Text());
            await reader.DisposeAsync();
        }
    }

    [Fact]
    public async Task Revoking_a_key_ends_the_events_streams_it_opened_and_leaves_other_keys_streams_open()
    {
        var gate = new Gate();
        using var app = new PortageApp([Providers.Scripted(new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) })]);
        var (created, keyId) = await app.CreateKeyAsync("viewer");
        using var viewer = app.ClientWith(created);
        var (ownerResponse, owner, seen) = await StreamKit.StartAndReadAsync(app.Client, app.RunPath(), Runs.Body("watched", provider: "scripted"), count: 2);
        var runId = seen[0].Json.GetProperty("run_id").GetString()!;
        var (viewerResponse, watching) = await OpenEventsAsync(viewer, app.EventsPath(runId));
        using (ownerResponse)
        using (viewerResponse)
        {
            Assert.True(await watching.MoveNextAsync().AsTask().WaitAsync(StreamKit.Patience));

            await RevokeAsync(app, keyId);
            var viewerRest = await StreamKit.RestAsync(watching);
            gate.Open();
            var ownerRest = await StreamKit.RestAsync(owner);

            Assert.Equal(("agent_error", "key_revoked"), (viewerRest[^1].Event, viewerRest[^1].Json.GetProperty("type").GetString()));
            Assert.Equal("agent_finish", ownerRest[^1].Event);
            Assert.Equal("succeeded", await StatusWhenStoppedAsync(app, runId));
            await owner.DisposeAsync();
            await watching.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_key_revoked_through_another_router_on_the_same_store_ends_its_streams_on_this_one()
    {
        var gate = new Gate();
        var settings = new Dictionary<string, string?> { ["Server:KeyRecheckSeconds"] = "0.2" };
        using var a = new PortageApp(settings: settings);
        using var b = new PortageApp([Providers.Scripted(new ScriptedChatClient { Script = (_, _, ct) => gate.Script(ct) })], settings, dataFolder: a.DataFolderPath);
        _ = b.Client; // started before the run: a single node marks every running run interrupted at its start
        var (created, keyId) = await a.CreateKeyAsync("backend");
        using var onB = b.ClientWith(created);
        var (response, reader, seen) = await StreamKit.StartAndReadAsync(onB, b.RunPath(), Runs.Body("elsewhere", provider: "scripted"), count: 2);
        using (response)
        {
            var runId = seen[0].Json.GetProperty("run_id").GetString()!;

            await RevokeAsync(a, keyId);
            var rest = await StreamKit.RestAsync(reader);

            Assert.Equal(("agent_error", "key_revoked"), (rest[^1].Event, rest[^1].Json.GetProperty("type").GetString()));
            await gate.Cancelled.WaitAsync(StreamKit.Patience);
            Assert.Equal("cancelled", await StatusWhenStoppedAsync(b, runId));
            await reader.DisposeAsync();
        }
    }

    private static async Task RevokeAsync(PortageApp app, string keyId)
    {
        using var revoked = await app.Client.DeleteAsync(new Uri($"/api/v1/api-keys/{keyId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
    }

    private static async Task<(HttpResponseMessage Response, IAsyncEnumerator<SseFrame> Reader)> OpenEventsAsync(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(StreamKit.Patience);
        response.EnsureSuccessStatusCode();
        var frames = SseFrames.ReadAsync(await response.Content.ReadAsStreamAsync()).Where(f => f.Event != ":");
        return (response, frames.GetAsyncEnumerator());
    }

    private static async Task<string> StatusWhenStoppedAsync(PortageApp app, string runId)
    {
        using var timeout = new CancellationTokenSource(StreamKit.Patience);
        while (true)
        {
            var run = await app.Client.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{app.SandboxId}/agents/runs/{runId}", timeout.Token);
            var status = run.GetProperty("status").GetString()!;
            if (status != "running")
            {
                return status;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
