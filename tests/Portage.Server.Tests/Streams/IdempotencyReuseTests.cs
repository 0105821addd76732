using System.Net.Http.Json;
using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Streams;

/// <summary>
/// Issue 17, finding 8: an idempotency key means "this very request again". Concurrent retries that each start a new
/// window leave exactly one window, and a key reused for a different request is refused instead of joining the wrong run.
/// </summary>
public sealed class IdempotencyReuseTests
{
    [Fact]
    public async Task Fifty_concurrent_retries_with_one_key_and_new_window_make_one_run_in_one_window_and_no_empty_ones()
    {
        using var app = new PortageApp();
        _ = app.Credentials; // the test host starts once, before the clients race
        var body = Runs.Body("start fresh", endUser: "u-retry", newWindow: true).With("idempotency_key", "retry-new-window").With("on_disconnect", "continue");

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => app.RunAsync(body))));

        Assert.Single(results.Select(r => r.RunId).Distinct());
        Assert.All(results, r => Assert.True(r.Finished, r.Terminal.Data));
        var windows = await app.Client.GetFromJsonAsync<JsonElement>(
            new Uri($"/api/v1/storage/sandboxes/{app.SandboxId}/sources?kind=ephemeral&end_user_id=u-retry", UriKind.Relative));
        var listed = windows.GetProperty("sources").EnumerateArray().Select(w => w.GetProperty("data_source_id").GetString()).ToList();
        Assert.Equal([results[0].WindowId], listed);
    }

    [Fact]
    public async Task A_key_reused_for_a_different_message_is_409_idempotency_key_reused()
    {
        using var app = new PortageApp();
        var first = await app.RunAsync(Runs.Body("What is the weather?").With("idempotency_key", "turn-1"));

        var (status, error, detail) = await app.RunErrorAsync(Runs.Body("Delete my account.").With("idempotency_key", "turn-1"));
        var same = await app.RunAsync(Runs.Body("What is the weather?").With("idempotency_key", "turn-1").With("on_disconnect", "continue"));

        Assert.Equal((409, "idempotency_key_reused"), (status, error));
        Assert.Contains(first.RunId, detail, StringComparison.Ordinal);
        Assert.Equal(first.RunId, same.RunId);
    }
}
