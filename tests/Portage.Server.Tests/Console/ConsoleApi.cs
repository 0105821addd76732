using System.Net.Http.Headers;
using System.Text.Json;
using Portage.Core.Tenancy;
using Portage.Server.Tests.Sources;
using Portage.Testing;

namespace Portage.Server.Tests.Console;

/// <summary>Helpers for the console's read endpoints: paths, a second sandbox, another account.</summary>
internal static class ConsoleApi
{
    public static string RunsPath(this PortageApp app, string? query = null, string? sandboxId = null) =>
        $"/api/v1/storage/sandboxes/{sandboxId ?? app.SandboxId}/agents/runs" + (query is null ? "" : "?" + query);

    public static string EndUsersPath(this PortageApp app, string? sandboxId = null) =>
        $"/api/v1/storage/sandboxes/{sandboxId ?? app.SandboxId}/end-users";

    /// <summary>Runs in another sandbox of the same account.</summary>
    public static async Task<RunResult> RunInAsync(this PortageApp app, string sandboxId, Dictionary<string, object?> body) =>
        new(await SseFrames.RunAsync(app.Client, app.RunPath(sandboxId), body));

    public static async Task<string> CreateSandboxAsync(this PortageApp app, string name)
    {
        var (status, sandbox) = await app.PostJsonAsync("/api/v1/storage/sandboxes", $$"""{"name": "{{name}}"}""");
        Assert.Equal(201, status);
        return sandbox.Str("sandbox_id");
    }

    /// <summary>Another account with its own sandbox <c>sb_other</c>; returns a client with its key.</summary>
    public static async Task<HttpClient> OtherAccountAsync(this PortageApp app)
    {
        _ = app.Credentials;
        var now = DateTimeOffset.UtcNow;
        var key = ApiKeys.Mint();
        await app.Get<ITenancyStore>().CreateAccountAsync("acct_other", now,
            new SandboxRecord("sb_other", "acct_other", "acct_other", "default", "free", "active", null, now),
            new ApiKeyRecord("key_other", "acct_other", "other", ApiKeys.VisiblePrefix(key), ApiKeys.Hash(key), now, null), default);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public static long Long(this JsonElement json, string name) => json.GetProperty(name).GetInt64();

    public static List<string> RunIds(this JsonElement list) => [.. list.GetProperty("runs").EnumerateArray().Select(r => r.Str("run_id"))];
}
