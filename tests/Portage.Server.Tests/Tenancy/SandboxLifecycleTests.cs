using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Tenancy;

/// <summary>
/// Issue 16, item 5 (copass-compat §7.1): PATCH changes a sandbox's name, metadata and limits; a suspended or archived
/// sandbox keeps its data readable but refuses runs and ingest with 409 until reactivated; destroy deletes it, and is
/// refused for the key's default sandbox unless forced.
/// </summary>
public sealed class SandboxLifecycleTests
{
    [Fact]
    public async Task Patch_changes_only_the_fields_sent_and_merges_limits_field_by_field()
    {
        using var app = new PortageApp();
        var id = await app.CreateSandboxAsync("first");

        var renamed = await app.PatchSandboxAsync(id, new { name = "renamed", metadata = new { team = "ops" }, limits = new { budget_microcents = 5000, gate_mode = "shadow" } });
        Assert.Equal("renamed", renamed.GetProperty("name").GetString());
        Assert.Equal("ops", renamed.GetProperty("metadata").GetProperty("team").GetString());
        Assert.Equal(5000, renamed.GetProperty("limits").GetProperty("budget_microcents").GetInt64());

        var merged = await app.PatchSandboxAsync(id, new Dictionary<string, object?> { ["limits"] = new Dictionary<string, object?> { ["budget_microcents"] = null, ["requests_per_minute"] = 7 } });
        var limits = merged.GetProperty("limits");
        Assert.Equal(JsonValueKind.Null, limits.GetProperty("budget_microcents").ValueKind);
        Assert.Equal("shadow", limits.GetProperty("gate_mode").GetString());
        Assert.Equal(7, limits.GetProperty("requests_per_minute").GetInt32());
        Assert.Equal("renamed", merged.GetProperty("name").GetString());
        Assert.Equal("ops", (await app.Client.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{id}")).GetProperty("metadata").GetProperty("team").GetString());
    }

    [Fact]
    public async Task Patch_refuses_an_unknown_or_malformed_limit_and_a_name_the_owner_already_uses()
    {
        using var app = new PortageApp();
        var id = await app.CreateSandboxAsync("second");

        Assert.Equal((400, "invalid_limits"), await app.PatchErrorAsync(id, new { limits = new { budget = 5 } }));
        Assert.Equal((400, "invalid_limits"), await app.PatchErrorAsync(id, new { limits = new { budget_period = "week" } }));
        Assert.Equal((400, "invalid_limits"), await app.PatchErrorAsync(id, new { limits = new { budget_microcents = -1 } }));
        Assert.Equal((409, "sandbox_exists"), await app.PatchErrorAsync(id, new { name = "default" }));
    }

    [Fact]
    public async Task A_suspended_sandbox_refuses_runs_and_ingest_keeps_its_data_readable_and_runs_again_once_reactivated()
    {
        using var app = new PortageApp();
        var first = await app.RunAsync(Runs.Body("before"));
        Assert.True(first.Finished);

        Assert.True((await app.PostStatusAsync(app.SandboxId, "suspend")).GetProperty("success").GetBoolean());

        var (status, error, detail) = await app.RunErrorAsync(Runs.Body("during"));
        Assert.Equal((409, "sandbox_suspended"), (status, error));
        Assert.Contains("/reactivate", detail, StringComparison.Ordinal);
        using (var ingest = await app.Client.PostAsJsonAsync($"/api/v1/storage/sandboxes/{app.SandboxId}/ingest", new { text = "notes" }))
        {
            Assert.Equal((409, "sandbox_suspended"), await SandboxKit.StatusAndErrorAsync(ingest));
        }

        Assert.Equal("suspended", (await app.Client.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{app.SandboxId}")).GetProperty("status").GetString());
        Assert.Equal(2, (await app.TurnsAsync(first.WindowId)).GetArrayLength());

        await app.PostStatusAsync(app.SandboxId, "reactivate");
        var after = await app.RunAsync(Runs.Body("after"));
        Assert.True(after.Finished);
        Assert.Equal(first.WindowId, after.WindowId);
    }

    [Fact]
    public async Task A_suspended_sandbox_refuses_openai_gateway_calls_too()
    {
        using var app = new PortageApp();
        await app.PostStatusAsync(app.SandboxId, "suspend");

        using var client = app.Client;
        client.DefaultRequestHeaders.Add("X-Portage-Sandbox-Id", app.SandboxId);
        using var response = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "echo", messages = new[] { new { role = "user", content = "hi" } } });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("sandbox_suspended", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_suspended_default_sandbox_refuses_calls_that_name_no_sandbox_instead_of_moving_them_to_another()
    {
        using var app = new PortageApp();
        using var client = app.Client;
        using var created = await client.PostAsJsonAsync("/api/v1/storage/sandboxes", new { name = "second" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await app.PostStatusAsync(app.SandboxId, "suspend");

        using var chat = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "echo", user = "u-1", messages = new[] { new { role = "user", content = "hi" } } });
        using var response = await client.PostAsJsonAsync("/v1/responses", new { model = "echo", user = "u-1", input = "hi" });
        using var ingest = await client.PostAsJsonAsync("/api/v1/storage/ingest", new { text = "a note", source_type = "text" });

        Assert.All([chat, response, ingest], r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.Contains("sandbox_suspended", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("sandbox_suspended", await ingest.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_archived_sandbox_refuses_runs_with_its_own_error_and_lists_under_its_status()
    {
        using var app = new PortageApp();
        var id = await app.CreateSandboxAsync("old");

        await app.PostStatusAsync(id, "archive");

        var (status, error, _) = await app.RunErrorAsync(Runs.Body("hi"), path: app.RunPath(id));
        Assert.Equal((409, "sandbox_archived"), (status, error));
        var archived = await app.Client.GetFromJsonAsync<JsonElement>("/api/v1/storage/sandboxes?status=archived");
        Assert.Equal(id, Assert.Single(archived.GetProperty("sandboxes").EnumerateArray()).GetProperty("sandbox_id").GetString());
    }

    [Fact]
    public async Task Destroy_deletes_a_sandbox_and_its_data_and_refuses_the_keys_default_sandbox_unless_forced()
    {
        using var app = new PortageApp();
        var id = await app.CreateSandboxAsync("scratch");
        Assert.True((await app.RunAsync(Runs.Body("hello"))).Finished);
        var run = await SseFrames.RunAsync(app.Client, app.RunPath(id), Runs.Body("in scratch"));
        Assert.Equal("agent_finish", run.Terminal().Event);

        using (var destroyed = await app.Client.DeleteAsync(new Uri($"/api/v1/storage/sandboxes/{id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, destroyed.StatusCode);
        }

        using (var gone = await app.Client.GetAsync(new Uri($"/api/v1/storage/sandboxes/{id}", UriKind.Relative)))
        {
            Assert.Equal((404, "sandbox_not_found"), await SandboxKit.StatusAndErrorAsync(gone));
        }

        using (var refused = await app.Client.DeleteAsync(new Uri($"/api/v1/storage/sandboxes/{app.SandboxId}", UriKind.Relative)))
        {
            var (status, error, detail) = await Runs.ErrorOf(refused);
            Assert.Equal((409, "default_sandbox"), (status, error));
            Assert.Contains("force=true", detail, StringComparison.Ordinal);
        }

        using (var forced = await app.Client.DeleteAsync(new Uri($"/api/v1/storage/sandboxes/{app.SandboxId}?force=true", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
        }

        Assert.Equal(0, (await app.Client.GetFromJsonAsync<JsonElement>("/api/v1/storage/sandboxes")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Changing_a_sandbox_needs_an_admin_key()
    {
        using var app = new PortageApp();
        var (created, _) = await app.CreateKeyAsync("backend", "runs");
        using var backend = app.ClientWith(created);

        using var patch = await backend.PatchAsJsonAsync($"/api/v1/storage/sandboxes/{app.SandboxId}", new { name = "mine" });
        using var suspend = await backend.PostAsync(new Uri($"/api/v1/storage/sandboxes/{app.SandboxId}/suspend", UriKind.Relative), null);
        using var destroy = await backend.DeleteAsync(new Uri($"/api/v1/storage/sandboxes/{app.SandboxId}?force=true", UriKind.Relative));

        Assert.All([patch, suspend, destroy], r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
    }
}

/// <summary>Sandbox calls in tests, with the development (admin) key.</summary>
internal static class SandboxKit
{
    public static async Task<string> CreateSandboxAsync(this PortageApp app, string name)
    {
        using var response = await app.Client.PostAsJsonAsync("/api/v1/storage/sandboxes", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sandbox_id").GetString()!;
    }

    public static async Task<JsonElement> PatchSandboxAsync(this PortageApp app, string sandboxId, object body)
    {
        using var response = await app.Client.PatchAsJsonAsync($"/api/v1/storage/sandboxes/{sandboxId}", body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<(int Status, string Error)> PatchErrorAsync(this PortageApp app, string sandboxId, object body)
    {
        using var response = await app.Client.PatchAsJsonAsync($"/api/v1/storage/sandboxes/{sandboxId}", body);
        return await StatusAndErrorAsync(response);
    }

    public static async Task<(int Status, string Error)> StatusAndErrorAsync(HttpResponseMessage response)
    {
        var (status, error, _) = await Runs.ErrorOf(response);
        return (status, error);
    }

    public static async Task<JsonElement> PostStatusAsync(this PortageApp app, string sandboxId, string verb)
    {
        using var response = await app.Client.PostAsync(new Uri($"/api/v1/storage/sandboxes/{sandboxId}/{verb}", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
