using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Server.Tests.Mcp;
using Portage.Testing;

namespace Portage.Server.Tests.Tenancy;

/// <summary>
/// Issue 17, finding 7: an API key has a scope. <c>admin</c> does everything; <c>runs</c> does what a backend needs for its
/// end users (runs, retrieval, ingest, sources and windows) and cannot touch keys or sandboxes, so a leaked <c>runs</c> key
/// cannot lock the owner out; and no admin key can revoke the account's last admin key.
/// </summary>
public sealed class ApiKeyScopeTests
{
    [Fact]
    public async Task The_development_key_is_admin_and_a_new_key_is_runs_unless_admin_is_asked_for()
    {
        using var app = new PortageApp();

        var (runsKey, _) = await app.CreateKeyAsync("backend");
        var (adminKey, _) = await app.CreateKeyAsync("ops", "admin");
        var listed = (await app.Client.GetFromJsonAsync<JsonElement>("/api/v1/api-keys")).EnumerateArray()
            .ToDictionary(k => k.GetProperty("name").GetString()!, k => k.GetProperty("scope").GetString());

        Assert.Equal(("runs", "admin"), (runsKey.GetProperty("scope").GetString(), adminKey.GetProperty("scope").GetString()));
        Assert.Equal(new Dictionary<string, string?> { ["development"] = "admin", ["backend"] = "runs", ["ops"] = "admin" }, listed);
    }

    [Fact]
    public async Task An_unknown_scope_is_refused_with_the_scopes_there_are()
    {
        using var app = new PortageApp();

        using var response = await app.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "x", scope = "root" });

        var (status, error, detail) = await Runs.ErrorOf(response);
        Assert.Equal((400, "invalid_scope"), (status, error));
        Assert.Contains("admin", detail, StringComparison.Ordinal);
        Assert.Contains("runs", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_runs_key_runs_retrieves_ingests_and_manages_windows()
    {
        using var app = new PortageApp();
        var (created, _) = await app.CreateKeyAsync("backend");
        using var backend = app.ClientWith(created);
        var sandbox = $"/api/v1/storage/sandboxes/{app.SandboxId}";

        var run = await app.RunAsync(Runs.Body("hello"), backend);
        using var ingest = await backend.PostAsJsonAsync($"{sandbox}/ingest", new { text = "# Frost\n\nAlerts fire below -2 °C.", source_type = "markdown", file_path = "frost.md" });
        using var discover = await backend.PostAsJsonAsync($"/api/v1/query/sandboxes/{app.SandboxId}/discover", new { query = "frost" });
        using var window = await backend.PostAsJsonAsync($"{sandbox}/sources", new { provider = "custom", name = "chat", kind = "ephemeral", end_user_id = "u-9" });
        using var archive = await backend.PostAsync(new Uri($"{sandbox}/sources/{run.WindowId}/archive", UriKind.Relative), null);
        using var runs = await backend.GetAsync(new Uri($"{sandbox}/agents/runs", UriKind.Relative));
        using var events = await backend.GetAsync(new Uri($"{sandbox}/agents/runs/{run.RunId}/events", UriKind.Relative));
        using var sandboxes = await backend.GetAsync(new Uri("/api/v1/storage/sandboxes", UriKind.Relative));

        Assert.True(run.Finished);
        Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK],
            new[] { discover, window, archive, runs, events, sandboxes }.Select(r => r.StatusCode));
        await using var mcp = await McpKit.ConnectAsync(app, apiKey: created.GetProperty("key").GetString());
        Assert.NotEmpty(await mcp.ListToolsAsync());
    }

    [Fact]
    public async Task A_runs_key_cannot_create_list_or_revoke_keys_nor_create_sandboxes()
    {
        using var app = new PortageApp();
        using var backend = app.ClientWith((await app.CreateKeyAsync("backend")).Created);
        var developmentKeyId = await app.KeyIdAsync("development");

        using var create = await backend.PostAsJsonAsync("/api/v1/api-keys", new { name = "mine", scope = "admin" });
        using var list = await backend.GetAsync(new Uri("/api/v1/api-keys", UriKind.Relative));
        using var revoke = await backend.DeleteAsync(new Uri($"/api/v1/api-keys/{developmentKeyId}", UriKind.Relative));
        using var sandbox = await backend.PostAsJsonAsync("/api/v1/storage/sandboxes", new { name = "mine" });

        foreach (var refused in new[] { create, list, revoke, sandbox })
        {
            var (status, error, detail) = await Runs.ErrorOf(refused);
            Assert.Equal((403, "insufficient_scope"), (status, error));
            Assert.Contains("'admin'", detail, StringComparison.Ordinal);
            Assert.Contains("'runs'", detail, StringComparison.Ordinal);
        }

        // The owner is not locked out: the development key still works and still has only itself and the runs key.
        var keys = await app.Client.GetFromJsonAsync<JsonElement>("/api/v1/api-keys");
        Assert.Equal(["development", "backend"], keys.EnumerateArray().Select(k => k.GetProperty("name").GetString()));
        Assert.Single((await app.Client.GetFromJsonAsync<JsonElement>("/api/v1/storage/sandboxes")).GetProperty("sandboxes").EnumerateArray());
    }

    [Fact]
    public async Task The_last_admin_key_of_an_account_cannot_be_revoked_and_another_admin_key_can()
    {
        using var app = new PortageApp();
        var developmentKeyId = await app.KeyIdAsync("development");

        using var alone = await app.Client.DeleteAsync(new Uri($"/api/v1/api-keys/{developmentKeyId}", UriKind.Relative));
        var (status, error, detail) = await Runs.ErrorOf(alone);
        Assert.Equal((409, "last_admin_key"), (status, error));
        Assert.Contains("scope", detail, StringComparison.Ordinal);

        var (ops, opsId) = await app.CreateKeyAsync("ops", "admin");
        using var opsClient = app.ClientWith(ops);
        using var revokeDevelopment = await opsClient.DeleteAsync(new Uri($"/api/v1/api-keys/{developmentKeyId}", UriKind.Relative));
        using var revokeSelf = await opsClient.DeleteAsync(new Uri($"/api/v1/api-keys/{opsId}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, revokeDevelopment.StatusCode);
        var (selfStatus, selfError, _) = await Runs.ErrorOf(revokeSelf);
        Assert.Equal((409, "last_admin_key"), (selfStatus, selfError));
        Assert.Equal(HttpStatusCode.OK, (await opsClient.GetAsync(new Uri("/api/v1/api-keys", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Concurrent_revocations_of_two_admin_keys_by_each_other_leave_one_of_them()
    {
        using var app = new PortageApp();
        var developmentKeyId = await app.KeyIdAsync("development");
        var (ops, opsId) = await app.CreateKeyAsync("ops", "admin");
        using var opsClient = app.ClientWith(ops);

        var answers = await Task.WhenAll(
            app.Client.DeleteAsync(new Uri($"/api/v1/api-keys/{opsId}", UriKind.Relative)),
            opsClient.DeleteAsync(new Uri($"/api/v1/api-keys/{developmentKeyId}", UriKind.Relative)));

        var statuses = answers.Select(a => a.StatusCode).ToList();
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.DoesNotContain(HttpStatusCode.InternalServerError, statuses);
        var survivors = 0;
        foreach (var client in new[] { app.Client, opsClient })
        {
            using var probe = await client.GetAsync(new Uri("/api/v1/api-keys", UriKind.Relative));
            survivors += probe.StatusCode == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.Equal(1, survivors);
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }
}

/// <summary>Creating and using keys of a scope in tests.</summary>
internal static class KeyKit
{
    /// <summary>Creates a key with the development key; <paramref name="scope"/> null leaves the field out.</summary>
    public static async Task<(JsonElement Created, string Id)> CreateKeyAsync(this PortageApp app, string name, string? scope = null)
    {
        using var response = scope is null
            ? await app.Client.PostAsJsonAsync("/api/v1/api-keys", new { name })
            : await app.Client.PostAsJsonAsync("/api/v1/api-keys", new { name, scope });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (created, created.GetProperty("id").GetString()!);
    }

    public static HttpClient ClientWith(this PortageApp app, JsonElement created) => app.ClientWith(created.GetProperty("key").GetString()!);

    public static HttpClient ClientWith(this PortageApp app, string key)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public static async Task<string> KeyIdAsync(this PortageApp app, string name) =>
        (await app.Client.GetFromJsonAsync<JsonElement>("/api/v1/api-keys")).EnumerateArray()
            .Single(k => k.GetProperty("name").GetString() == name).GetProperty("id").GetString()!;
}
