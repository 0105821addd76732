using System.Net;
using Portage.Protocol.Runs;
using Portage.Protocol.Tenancy;
using Portage.Testing;

namespace Portage.Client.Tests;

/// <summary>Issue 17, findings 7 and 8 through the SDK: key scopes, and a stream whose key is revoked.</summary>
public sealed class ApiKeyScopeTests
{
    [Fact]
    public async Task A_runs_key_made_through_the_sdk_runs_but_cannot_manage_keys()
    {
        using var app = new PortageApp();
        using var http = app.CreateClient();
        using var owner = Router(app, http, app.Credentials.ApiKey);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var created = await owner.Client.ApiKeys.CreateAsync(new CreateApiKeyRequest { Name = "backend", Scope = ApiKeyScopes.Runs }, guard.Token);
        var listed = await owner.Client.ApiKeys.ListAsync(guard.Token);
        using var backend = Router(app, http, created.Key);
        var events = new List<AgentEvent>();
        await foreach (var e in backend.RunAsync(new RunOptions { Provider = "echo", Message = "hi", EndUserId = "u-1" }, cancellationToken: guard.Token))
        {
            events.Add(e);
        }

        var refused = await Assert.ThrowsAsync<AgentRouterException>(() => backend.Client.ApiKeys.ListAsync(guard.Token));

        Assert.Equal("runs", created.Scope);
        Assert.Equal(["admin", "runs"], listed.Select(k => k.Scope));
        Assert.IsType<AgentFinish>(events[^1]);
        Assert.Equal((HttpStatusCode.Forbidden, "insufficient_scope"), (refused.StatusCode, refused.ErrorType));
    }

    [Fact]
    public async Task A_stream_whose_key_is_revoked_ends_with_an_agent_error_of_type_key_revoked()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Echo:DelayMilliseconds"] = "500" });
        using var http = app.CreateClient();
        using var owner = Router(app, http, app.Credentials.ApiKey);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var created = await owner.Client.ApiKeys.CreateAsync(new CreateApiKeyRequest { Name = "backend" }, guard.Token);
        using var backend = Router(app, http, created.Key);

        await using var stream = backend.RunAsync(new RunOptions { Provider = "echo", Message = "a long story", EndUserId = "u-1" }, cancellationToken: guard.Token)
            .GetAsyncEnumerator(guard.Token);
        Assert.True(await stream.MoveNextAsync());
        await owner.Client.ApiKeys.RevokeAsync(created.Id, guard.Token);
        var last = stream.Current;
        while (await stream.MoveNextAsync())
        {
            last = stream.Current;
        }

        Assert.Equal("key_revoked", Assert.IsType<AgentError>(last).Type);
    }

    private static AgentRouter Router(PortageApp app, HttpClient http, string key) => new(new AgentRouterOptions
    {
        ApiKey = key,
        SandboxId = app.SandboxId,
        HttpClient = http,
    });
}
