using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Core.Tenancy;
using Portage.Testing;

namespace Portage.Server.Tests.Rules;

/// <summary>Rule 2: runs act for one end user; other end users' and other tenants' resources answer as missing ones.</summary>
public sealed class Rule02IsolationTests
{
    [Fact]
    public async Task Another_end_users_session_answers_404_like_a_missing_one()
    {
        using var app = new PortageApp();
        var alice = await app.RunAsync(Runs.Body("secret plan", "alice"));
        var stolen = await app.RunErrorAsync(Runs.Body("what was my plan?", "bob", session: alice.SessionId));
        var missing = await app.RunErrorAsync(Runs.Body("what was my plan?", "bob", session: "sess_doesnotexist"));
        Assert.Equal((404, "session_not_found"), (stolen.Status, stolen.Error));
        Assert.Equal(missing.Error, stolen.Error);
    }

    [Fact]
    public async Task Another_end_users_window_answers_404_on_the_run_path_and_on_turns()
    {
        using var app = new PortageApp();
        var alice = await app.RunAsync(Runs.Body("secret plan", "alice"));
        var run = await app.RunErrorAsync(Runs.Body("hi", "bob", window: alice.WindowId));
        Assert.Equal((404, "window_not_found"), (run.Status, run.Error));
        using var turns = await app.Client.GetAsync($"/api/v1/storage/sandboxes/{app.SandboxId}/sources/{alice.WindowId}/turns?end_user_id=bob");
        Assert.Equal(HttpStatusCode.NotFound, turns.StatusCode);
    }

    [Fact]
    public async Task End_users_never_share_the_active_window()
    {
        using var app = new PortageApp();
        var alice = await app.RunAsync(Runs.Body("secret plan", "alice"));
        var bob = await app.RunAsync(Runs.Body("hello", "bob"));
        Assert.NotEqual(alice.WindowId, bob.WindowId);
        Assert.Contains("received 0 prior turns", bob.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sandbox_of_another_account_answers_404_like_a_missing_one()
    {
        using var app = new PortageApp();
        _ = app.Credentials;
        var store = app.Get<ITenancyStore>();
        var now = DateTimeOffset.UtcNow;
        var otherKey = ApiKeys.Mint();
        await store.CreateAccountAsync("acct_other", now, new SandboxRecord("sb_other", "acct_other", "acct_other", "default", "free", "active", null, now),
            new ApiKeyRecord("key_other", "acct_other", "other", ApiKeys.VisiblePrefix(otherKey), ApiKeys.Hash(otherKey), now, null), default);

        var theirs = await app.RunErrorAsync(Runs.Body("hi"), path: app.RunPath("sb_other"));
        var missing = await app.RunErrorAsync(Runs.Body("hi"), path: app.RunPath("sb_nothing"));
        Assert.Equal((404, "sandbox_not_found"), (theirs.Status, theirs.Error));
        Assert.Equal(missing.Error, theirs.Error);

        using var other = app.CreateClient();
        other.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", otherKey);
        var list = await other.GetFromJsonAsync<JsonElement>("/api/v1/storage/sandboxes");
        Assert.Equal("sb_other", list.GetProperty("sandboxes")[0].GetProperty("sandbox_id").GetString());
        Assert.Equal(1, list.GetProperty("count").GetInt32());
    }
}
