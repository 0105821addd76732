using System.Net.Http.Headers;
using Portage.Core.Tenancy;
using Portage.Testing;

namespace Portage.Server.Tests.Sources;

/// <summary>Rule 2 on the data source API: a source of another sandbox answers every call exactly as a missing one.</summary>
public sealed class IsolationTests
{
    [Fact]
    public async Task A_source_of_another_sandbox_answers_404_on_every_endpoint()
    {
        using var app = new PortageApp();
        var (created, sandbox) = await app.PostJsonAsync("/api/v1/storage/sandboxes", """{"name": "staging"}""");
        Assert.Equal(201, created);
        var staging = sandbox.Str("sandbox_id");
        var theirs = (await app.RegisterAsync("""{"provider": "github", "name": "repo"}""", staging)).Id();
        var window = (await app.RegisterAsync("""{"provider": "custom", "name": "w", "kind": "ephemeral"}""", staging)).Id();

        var answers = new List<(int, string)>
        {
            (await app.GetJsonAsync(app.SourcePath(theirs))).Error(),
            (await app.PatchJsonAsync(app.SourcePath(theirs), """{"name": "mine now"}""")).Error(),
            (await app.DeleteJsonAsync(app.SourcePath(theirs))).Error(),
            (await app.GetJsonAsync(app.SourcePath(window, "turns"))).Error(),
            (await app.GetJsonAsync(app.SourcePath(window, "deliveries"))).Error(),
        };
        foreach (var action in new[] { "pause", "resume", "archive", "disconnect", "purge" })
        {
            answers.Add((await app.PostJsonAsync(app.SourcePath(theirs, action), null)).Error());
        }

        Assert.All(answers, a => Assert.Equal((404, "source_not_found"), a));
        Assert.Empty(await app.ListIdsAsync());
        var untouched = (await app.GetJsonAsync(app.SourcePath(theirs, sandboxId: staging))).Json;
        Assert.Equal(("repo", "active"), (untouched.Str("name"), untouched.Str("status")));
        Assert.Equal((404, "window_not_found"), await app.RunErrorAsync(Runs.Body("hi", window: window)).Status());
    }

    [Fact]
    public async Task A_sandbox_of_another_account_answers_404_for_register_and_list()
    {
        using var app = new PortageApp();
        _ = app.Credentials;
        var now = DateTimeOffset.UtcNow;
        var otherKey = ApiKeys.Mint();
        await app.Get<ITenancyStore>().CreateAccountAsync("acct_other", now,
            new SandboxRecord("sb_other", "acct_other", "acct_other", "default", "free", "active", null, now),
            new ApiKeyRecord("key_other", "acct_other", "other", ApiKeys.VisiblePrefix(otherKey), ApiKeys.Hash(otherKey), now, null), default);
        using var other = app.CreateClient();
        other.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", otherKey);
        var (_, foreign) = await app.PostJsonAsync(app.SourcesPath("sb_other"), """{"provider": "github", "name": "theirs"}""", other);

        Assert.Equal((404, "sandbox_not_found"), (await app.PostJsonAsync(app.SourcesPath("sb_other"), """{"provider": "github", "name": "x"}""")).Error());
        Assert.Equal((404, "sandbox_not_found"), (await app.GetJsonAsync(app.SourcesPath("sb_other"))).Error());
        Assert.Equal((404, "sandbox_not_found"), (await app.GetJsonAsync(app.SourcePath(foreign.Id(), sandboxId: "sb_other"))).Error());
    }
}
