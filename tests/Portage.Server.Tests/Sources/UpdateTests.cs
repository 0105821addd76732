using System.Text.Json;
using System.Text.Json.Nodes;
using Portage.Testing;

namespace Portage.Server.Tests.Sources;

/// <summary><c>PATCH …/sources/{id}</c>: given fields change; <c>?merge_adapter_config=true</c> deep-merges the adapter settings.</summary>
public sealed class UpdateTests
{
    private const string Registration = """
        {"provider": "github", "name": "repo", "external_account_id": "inst_1", "project_id": "proj_1",
         "adapter_config": {"repo": "acme/app", "branches": ["main"], "auth": {"kind": "app", "app_id": 7}}}
        """;

    [Fact]
    public async Task Patch_changes_the_given_fields_and_keeps_the_others()
    {
        using var app = new PortageApp();
        var before = await app.RegisterAsync(Registration);

        var (status, after) = await app.PatchJsonAsync(app.SourcePath(before.Id()),
            """{"name": "renamed", "ingestion_mode": "polling", "poll_interval_seconds": 60}""");

        Assert.Equal(200, status);
        Assert.Equal(("renamed", "polling", 60), (after.Str("name"), after.Str("ingestion_mode"), after.GetProperty("poll_interval_seconds").GetInt32()));
        foreach (var kept in new[] { "data_source_id", "provider", "kind", "status", "external_account_id", "project_id", "adapter_config", "created_at" })
        {
            Assert.Equal(before.GetProperty(kept).GetRawText(), after.GetProperty(kept).GetRawText());
        }

        Assert.Equal(after.GetRawText(), (await app.SourceAsync(before.Id())).GetRawText());
    }

    [Fact]
    public async Task Adapter_config_is_replaced_without_merge()
    {
        using var app = new PortageApp();
        var source = await app.RegisterAsync(Registration);

        var (_, after) = await app.PatchJsonAsync(app.SourcePath(source.Id()), """{"adapter_config": {"repo": "acme/other"}}""");

        AssertJson("""{"repo": "acme/other"}""", after.GetProperty("adapter_config"));
    }

    [Fact]
    public async Task Merge_adapter_config_deep_merges_and_null_removes_a_key()
    {
        using var app = new PortageApp();
        var source = await app.RegisterAsync(Registration);

        var (status, after) = await app.PatchJsonAsync(app.SourcePath(source.Id()) + "?merge_adapter_config=true",
            """{"adapter_config": {"branches": ["main", "dev"], "auth": {"app_id": 8, "kind": null, "key": "k"}, "labels": {"bug": true}}}""");

        Assert.Equal(200, status);
        AssertJson("""{"repo": "acme/app", "branches": ["main", "dev"], "auth": {"app_id": 8, "key": "k"}, "labels": {"bug": true}}""",
            after.GetProperty("adapter_config"));
        AssertJson(after.GetProperty("adapter_config").GetRawText(), (await app.SourceAsync(source.Id())).GetProperty("adapter_config"));
    }

    [Fact]
    public async Task An_empty_external_account_or_project_clears_it()
    {
        using var app = new PortageApp();
        var source = await app.RegisterAsync(Registration);

        var (_, after) = await app.PatchJsonAsync(app.SourcePath(source.Id()), """{"external_account_id": "", "project_id": ""}""");

        Assert.Equal(JsonValueKind.Null, after.GetProperty("external_account_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("project_id").ValueKind);
    }

    [Fact]
    public async Task Kind_and_provider_cannot_be_changed()
    {
        using var app = new PortageApp();
        var source = await app.RegisterAsync(Registration);

        var (_, after) = await app.PatchJsonAsync(app.SourcePath(source.Id()), """{"kind": "ephemeral", "provider": "slack"}""");

        Assert.Equal(("durable", "github"), (after.Str("kind"), after.Str("provider")));
    }

    [Theory]
    [InlineData("", """{"name": ""}""", "invalid_name")]
    [InlineData("", """{"ingestion_mode": "push"}""", "invalid_ingestion_mode")]
    [InlineData("", """{"poll_interval_seconds": 30}""", "invalid_poll_interval_seconds")]
    [InlineData("", """{"adapter_config": [1]}""", "invalid_adapter_config")]
    [InlineData("?merge_adapter_config=yes", """{"adapter_config": {}}""", "invalid_merge_adapter_config")]
    [InlineData("", "not json", "invalid_json")]
    public async Task Invalid_patches_answer_400_and_change_nothing(string query, string body, string error)
    {
        using var app = new PortageApp();
        var source = await app.RegisterAsync(Registration);

        Assert.Equal((400, error), (await app.PatchJsonAsync(app.SourcePath(source.Id()) + query, body)).Error());
        Assert.Equal(source.GetRawText(), (await app.SourceAsync(source.Id())).GetRawText());
    }

    [Fact]
    public async Task Patching_an_unknown_source_answers_404()
    {
        using var app = new PortageApp();

        Assert.Equal((404, "source_not_found"), (await app.PatchJsonAsync(app.SourcePath("ds_nope"), """{"name": "x"}""")).Error());
    }

    private static void AssertJson(string expected, JsonElement actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual.GetRawText())), $"Expected {expected} but found {actual.GetRawText()}.");
}
