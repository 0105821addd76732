using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Core.Windows;
using Portage.Server.Tests.Ingest;
using Portage.Testing;
using Portage.Testing.Fakes;

namespace Portage.Server.Tests.Rules;

/// <summary>
/// Rule 2 at the moment a window gets its owner: a window created without an end user belongs to the first end user who
/// uses it, and a second end user racing for it must get 404, never the first one's turns.
/// </summary>
public sealed class WindowClaimRaceTests
{
    [Fact]
    public async Task A_run_that_loses_the_claim_of_an_unowned_window_to_another_end_users_ingest_gets_404_not_their_turns()
    {
        // The run of bob is held at its claim until alice's ingest has claimed the window: the interleaving that put one
        // end user's run into another's window.
        var bobAtClaim = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aliceClaimed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var app = new PortageApp(services: s => StoreInterceptor.Replace<IWindowStore>(s, call =>
        {
            if (call.Method == nameof(IWindowStore.BindEndUserAsync) && (string?)call.Args[2] == "bob")
            {
                bobAtClaim.TrySetResult();
                return aliceClaimed.Task.ContinueWith(_ => (Task)call.Proceed()!, TaskScheduler.Default).Unwrap();
            }

            return call.Proceed();
        }));
        var window = await CreateUnownedWindowAsync(app);

        var bobsRun = app.RunErrorAsync(Runs.Body("What did alice say?", endUser: "bob", window: window));
        await bobAtClaim.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await app.IngestAsync(new { text = "alice's secret: the vault code is 4711", source_type = "conversation", data_source_id = window, end_user_id = "alice" });
        aliceClaimed.SetResult();

        var (status, error, _) = await bobsRun;
        Assert.Equal((404, "window_not_found"), (status, error));
        var turns = await app.TurnsAsync(window, "alice");
        Assert.Equal(["alice's secret: the vault code is 4711"], turns.EnumerateArray().Select(t => t.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Under_racing_ingests_and_runs_of_two_end_users_no_run_ever_sees_the_other_end_users_turns()
    {
        using var app = new PortageApp();
        for (var trial = 0; trial < 40; trial++)
        {
            var window = await CreateUnownedWindowAsync(app);
            var ingests = Enumerable.Range(0, 4).Select(i => app.Client.PostAsJsonAsync(new Uri(app.IngestPath(), UriKind.Relative),
                new { text = $"alice secret {trial}-{i}", source_type = "conversation", data_source_id = window, end_user_id = "alice" })).ToList();
            var run = app.Client.PostAsJsonAsync(new Uri(app.RunPath(), UriKind.Relative), Runs.Body("anything?", endUser: "bob", window: window));
            var ingested = await Task.WhenAll(ingests);
            using var response = await run;
            var body = await response.Content.ReadAsStringAsync();
            var owner = await OwnerAsync(app, window);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Assert.Equal("bob", owner);
                Assert.DoesNotContain("alice secret", body, StringComparison.Ordinal);
                Assert.All(ingested, i => Assert.Equal(HttpStatusCode.NotFound, i.StatusCode));
            }
            else
            {
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                Assert.Equal("alice", owner);
            }

            foreach (var ingest in ingested)
            {
                ingest.Dispose();
            }
        }
    }

    private static async Task<string> CreateUnownedWindowAsync(PortageApp app)
    {
        using var response = await app.Client.PostAsJsonAsync(new Uri($"/api/v1/storage/sandboxes/{app.SandboxId}/sources", UriKind.Relative),
            new { provider = "custom", name = "shared", kind = "ephemeral" });
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.Created, json.ToString());
        return json.GetProperty("data_source_id").GetString()!;
    }

    private static async Task<string?> OwnerAsync(PortageApp app, string window)
    {
        var json = await app.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/storage/sandboxes/{app.SandboxId}/sources/{window}", UriKind.Relative));
        return json.TryGetProperty("end_user_id", out var owner) ? owner.GetString() : null;
    }
}
