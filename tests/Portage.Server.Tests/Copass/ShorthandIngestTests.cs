using System.Net.Http.Json;
using System.Text.Json;
using Portage.Server.Tests.Console;
using Portage.Server.Tests.Ingest;
using Portage.Server.Tests.Sources;
using Portage.Testing;

namespace Portage.Server.Tests.Copass;

/// <summary>
/// copass-compat §7.3's shorthand <c>POST /api/v1/storage/ingest</c> and <c>GET /api/v1/storage/ingest/{job_id}</c>:
/// the key's default sandbox (the account's <c>default</c>, else its oldest active one), or the one
/// <c>X-Portage-Sandbox-Id</c> names, with the sandbox routes' shapes.
/// </summary>
public sealed class ShorthandIngestTests
{
    private const string Shorthand = "/api/v1/storage/ingest";

    [Fact]
    public async Task Ingest_goes_to_the_keys_default_sandbox_and_its_job_is_followed_at_both_paths()
    {
        using var app = new PortageApp();
        await app.CreateSandboxAsync("staging");

        var (status, accepted) = await app.PostJsonAsync(Shorthand, """{"text": "# Frost\n\nAlerts fire below -2 °C.", "source_type": "markdown"}""");

        Assert.Equal(202, status);
        CopassShape.AssertFields(accepted, "job_id:string", "status:string", "encrypted:boolean", "sandbox_id:string", "project_id:string?", "status_url:string");
        var jobId = accepted.Str("job_id");
        Assert.Equal(("queued", app.SandboxId), (accepted.Str("status"), accepted.Str("sandbox_id")));
        Assert.Equal($"/api/v1/storage/sandboxes/{app.SandboxId}/ingest/{jobId}", accepted.Str("status_url"));
        var done = await app.WaitForJobAsync($"{Shorthand}/{jobId}");
        CopassShape.AssertFields(done, "job_id:string", "status:string", "job_type:string", "encrypted:boolean", "result:object?",
            "error_message:string?", "retry_count:integer", "created_at:string?", "started_at:string?", "completed_at:string?");
        Assert.Equal(("completed", jobId, app.SandboxId), (done.Str("status"), done.Str("job_id"), done.Str("sandbox_id")));
        Assert.Equal(done.GetRawText(), (await app.JobAsync(accepted.Str("status_url"))).GetRawText());
        var (_, found) = await app.PostJsonAsync($"/api/v1/query/sandboxes/{app.SandboxId}/discover", """{"query": "frost alerts", "history": []}""");
        Assert.Contains(found.GetProperty("items").EnumerateArray(), i => i.Str("summary").Contains("Frost", StringComparison.Ordinal));
    }

    [Fact]
    public async Task X_Portage_Sandbox_Id_names_another_sandbox_of_the_account_and_jobs_are_found_only_in_theirs()
    {
        using var app = new PortageApp();
        var staging = await app.CreateSandboxAsync("staging");
        using var request = new HttpRequestMessage(HttpMethod.Post, Shorthand) { Content = JsonContent.Create(new { text = "staging notes" }) };
        request.Headers.Add("X-Portage-Sandbox-Id", staging);

        using var response = await app.Client.SendAsync(request);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal((202, staging), ((int)response.StatusCode, accepted.Str("sandbox_id")));
        var jobId = accepted.Str("job_id");
        Assert.Equal((404, "job_not_found"), (await app.GetJsonAsync($"{Shorthand}/{jobId}")).Error());
        using var named = new HttpRequestMessage(HttpMethod.Get, $"{Shorthand}/{jobId}");
        named.Headers.Add("X-Portage-Sandbox-Id", staging);
        using var found = await app.Client.SendAsync(named);
        Assert.Equal(200, (int)found.StatusCode);
    }

    [Fact]
    public async Task Another_accounts_sandbox_is_404_and_a_bad_body_or_no_key_is_refused_as_on_the_sandbox_route()
    {
        using var app = new PortageApp();
        using var other = await app.OtherAccountAsync();
        using var foreign = new HttpRequestMessage(HttpMethod.Post, Shorthand) { Content = JsonContent.Create(new { text = "x" }) };
        foreign.Headers.Add("X-Portage-Sandbox-Id", app.SandboxId);

        using var refused = await other.SendAsync(foreign);
        using var anonymous = await app.CreateClient().PostAsJsonAsync(Shorthand, new { text = "x" });

        Assert.Equal((404, "sandbox_not_found"), ((int)refused.StatusCode, (await Runs.ErrorOf(refused)).Error));
        Assert.Equal(401, (int)anonymous.StatusCode);
        Assert.Equal((400, "invalid_text"), (await app.PostJsonAsync(Shorthand, """{"text": "  "}""")).Error());
        Assert.Equal((404, "job_not_found"), (await app.GetJsonAsync($"{Shorthand}/job_missing")).Error());
    }
}
