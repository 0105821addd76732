using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Server.Tests.Console;
using Portage.Testing;

namespace Portage.Server.Tests.Wire;

/// <summary>Sandboxes, API keys and the provider list (copass-compat §7).</summary>
public sealed class TenancyApiTests
{
    [Fact]
    public async Task A_keys_last_use_is_recorded_to_the_minute_not_written_on_every_request()
    {
        using var app = new PortageApp();
        async Task<string?> LastUsedAsync() => (await app.Client.GetFromJsonAsync<JsonElement>("/api/v1/api-keys"))
            .EnumerateArray().Single().GetProperty("last_used_at").GetString();

        var first = await LastUsedAsync();
        await app.RunAsync(Runs.Body("hello"));
        var afterMoreRequests = await LastUsedAsync();

        Assert.NotNull(first);
        Assert.Equal(first, afterMoreRequests);
    }

    [Fact]
    public async Task First_start_creates_a_default_sandbox_and_a_key_saved_with_mode_0600()
    {
        using var app = new PortageApp();
        var list = await app.Client.GetFromJsonAsync<JsonElement>("/api/v1/storage/sandboxes");
        Assert.Equal(app.SandboxId, list.GetProperty("sandboxes")[0].GetProperty("sandbox_id").GetString());
        Assert.Equal("default", list.GetProperty("sandboxes")[0].GetProperty("name").GetString());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(app.DataFolderPath, "credentials.json")));
        }
    }

    [Fact]
    public async Task Sandboxes_can_be_created_listed_and_read_and_names_are_unique_per_owner()
    {
        using var app = new PortageApp();
        using var created = await app.Client.PostAsJsonAsync("/api/v1/storage/sandboxes", new { name = "staging", tier = "pro" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var sandbox = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = sandbox.GetProperty("sandbox_id").GetString()!;
        Assert.StartsWith("sb_", id, StringComparison.Ordinal);
        Assert.Equal(("staging", "pro", "active"), (sandbox.GetProperty("name").GetString(), sandbox.GetProperty("tier").GetString(), sandbox.GetProperty("status").GetString()));

        var read = await app.Client.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{id}");
        Assert.Equal("staging", read.GetProperty("name").GetString());
        Assert.Equal(2, (await app.Client.GetFromJsonAsync<JsonElement>("/api/v1/storage/sandboxes")).GetProperty("count").GetInt32());
        using var duplicate = await app.Client.PostAsJsonAsync("/api/v1/storage/sandboxes", new { name = "staging" });
        Assert.Equal((409, "sandbox_exists"), await StatusOf(duplicate));

        var run = await app.RunAsync(Runs.Body("in staging"), app.Client);
        Assert.NotEqual(id, run.WindowId);
        var frames = await SseFrames.RunAsync(app.Client, app.RunPath(id), Runs.Body("hi"));
        Assert.Equal("agent_finish", frames.Terminal().Event);
    }

    [Fact]
    public async Task Naming_another_accounts_owner_id_neither_reveals_nor_takes_its_sandbox_names()
    {
        using var app = new PortageApp();
        using var other = await app.OtherAccountAsync();

        // "acct_other" owns a sandbox named "default": the answer must not tell, and the name must stay theirs to use.
        using var probe = await app.Client.PostAsJsonAsync("/api/v1/storage/sandboxes", new { name = "default", owner_id = "acct_other" });
        using var squat = await app.Client.PostAsJsonAsync("/api/v1/storage/sandboxes", new { name = "prod", owner_id = "acct_other" });
        using var theirs = await other.PostAsJsonAsync("/api/v1/storage/sandboxes", new { name = "prod" });

        Assert.Equal(HttpStatusCode.Created, probe.StatusCode);
        Assert.Equal(HttpStatusCode.Created, squat.StatusCode);
        Assert.Equal(HttpStatusCode.Created, theirs.StatusCode);
        var names = (await other.GetFromJsonAsync<JsonElement>("/api/v1/storage/sandboxes")).GetProperty("sandboxes").EnumerateArray().Select(b => b.GetProperty("name").GetString());
        Assert.Equal(["default", "prod"], names.Order());
    }

    [Fact]
    public async Task Api_key_is_shown_once_listed_without_the_key_and_stops_working_when_revoked()
    {
        using var app = new PortageApp();
        using var created = await app.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "ci", scope = "admin" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = await created.Content.ReadFromJsonAsync<JsonElement>();
        var plaintext = key.GetProperty("key").GetString()!;
        var id = key.GetProperty("id").GetString()!;
        Assert.StartsWith(key.GetProperty("key_prefix").GetString()!, plaintext, StringComparison.Ordinal);

        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", plaintext);
        var listed = await client.GetStringAsync("/api/v1/api-keys");
        Assert.DoesNotContain(plaintext, listed, StringComparison.Ordinal);
        Assert.Contains(id, listed, StringComparison.Ordinal);

        using var revoked = await app.Client.DeleteAsync($"/api/v1/api-keys/{id}");
        Assert.True((await revoked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revoked").GetBoolean());
        using var after = await client.GetAsync("/api/v1/storage/sandboxes");
        Assert.Equal((401, "unauthorized"), await StatusOf(after));
        using var again = await app.Client.DeleteAsync($"/api/v1/api-keys/{id}");
        Assert.Equal((404, "api_key_not_found"), await StatusOf(again));
    }

    [Fact]
    public async Task Stored_keys_are_sha256_hashes_never_plaintext()
    {
        var folder = Path.Combine(Path.GetTempPath(), "portage-tests", Guid.NewGuid().ToString("n"));
        var app = new PortageApp(dataFolder: folder);
        var key = app.Credentials.ApiKey;
        app.Dispose();

        // Pooled connections close (and checkpoint the WAL into the file) only when the pool is cleared.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var bytes = await File.ReadAllBytesAsync(Path.Combine(app.DataFolderPath, "portage.db"));
        var wal = Path.Combine(app.DataFolderPath, "portage.db-wal");
        var all = System.Text.Encoding.UTF8.GetString(bytes) + (File.Exists(wal) ? System.Text.Encoding.UTF8.GetString(await File.ReadAllBytesAsync(wal)) : "");
        Assert.DoesNotContain(key, all, StringComparison.Ordinal);
        Assert.Contains(Portage.Core.Tenancy.ApiKeys.Hash(key), all, StringComparison.Ordinal);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void Restart_on_another_url_updates_api_url_in_credentials_and_keeps_the_key()
    {
        var folder = Path.Combine(Path.GetTempPath(), "portage-tests", Guid.NewGuid().ToString("n"));
        string key;
        using (var first = new PortageApp(settings: new Dictionary<string, string?> { ["urls"] = "http://127.0.0.1:6001" }, dataFolder: folder))
        {
            key = first.Credentials.ApiKey;
            Assert.Equal("http://127.0.0.1:6001", first.Credentials.ApiUrl);
        }

        using (var second = new PortageApp(settings: new Dictionary<string, string?> { ["urls"] = "http://127.0.0.1:6002" }, dataFolder: folder))
        {
            Assert.Equal(("http://127.0.0.1:6002", key), (second.Credentials.ApiUrl, second.Credentials.ApiKey));
        }

        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Provider_list_names_echo_and_mirror_with_what_they_need()
    {
        using var app = new PortageApp();
        var list = await app.Client.GetFromJsonAsync<JsonElement>("/api/v1/providers");
        var names = list.GetProperty("providers").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        // Real providers are listed too (unconfigured without keys); echo and mirror are always there.
        Assert.Equal(["echo", "mirror"], names.Where(n => n is "echo" or "mirror"));
        Assert.Equal("echo-1", list.GetProperty("providers").EnumerateArray().First(p => p.GetProperty("name").GetString() == "echo").GetProperty("default_model").GetString());
    }

    private static async Task<(int, string)> StatusOf(HttpResponseMessage response)
    {
        var (status, error, _) = await Runs.ErrorOf(response);
        return (status, error);
    }
}
