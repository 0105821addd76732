using System.Text.Json;
using System.Text.Json.Nodes;
using Portage.Testing;

namespace Portage.Server.Tests.Sources;

/// <summary><c>POST …/sources</c>, <c>GET …/sources/{id}</c> and <c>GET …/sources</c> (copass-compat §7.2).</summary>
public sealed class RegisterAndReadTests
{
    [Fact]
    public async Task Registering_a_durable_source_answers_201_with_every_DataSource_field()
    {
        using var app = new PortageApp();

        var (status, source) = await app.PostJsonAsync(app.SourcesPath(), """
            {"provider": "linear", "name": "  ACME Linear  ", "ingestion_mode": "polling", "kind": "durable",
             "external_account_id": "org_42", "adapter_config": {"include": ["teams", "issues"], "auth": {"kind": "bearer"}},
             "poll_interval_seconds": 900, "project_id": "proj_1", "ingest_to_graph": true}
            """);

        Assert.Equal(201, status);
        Assert.StartsWith("ds_", source.Id(), StringComparison.Ordinal);
        Assert.Equal(app.SandboxId, source.Str("sandbox_id"));
        Assert.StartsWith("acct_", source.Str("user_id"), StringComparison.Ordinal);
        Assert.Equal(("linear", "ACME Linear", "polling", "active", "durable"),
            (source.Str("provider"), source.Str("name"), source.Str("ingestion_mode"), source.Str("status"), source.Str("kind")));
        Assert.Equal("org_42", source.Str("external_account_id"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"include": ["teams", "issues"], "auth": {"kind": "bearer"}}"""),
            JsonNode.Parse(source.GetProperty("adapter_config").GetRawText())));
        Assert.Equal(900, source.GetProperty("poll_interval_seconds").GetInt32());
        Assert.Equal("proj_1", source.Str("project_id"));
        foreach (var absent in new[] { "webhook_url", "last_sync_at", "end_user_id", "turn_count", "archived_reason" })
        {
            Assert.Equal(JsonValueKind.Null, source.GetProperty(absent).ValueKind);
        }

        Assert.True(source.GetProperty("created_at").TryGetDateTimeOffset(out _));
        Assert.True(source.GetProperty("last_active_at").TryGetDateTimeOffset(out _));

        var read = await app.SourceAsync(source.Id());
        Assert.Equal(source.GetRawText(), read.GetRawText());
    }

    [Fact]
    public async Task A_registration_with_only_provider_and_name_gets_the_defaults()
    {
        using var app = new PortageApp();

        var source = await app.RegisterAsync("""{"provider": "custom", "name": "notes"}""");

        Assert.Equal(("durable", "manual", "active"), (source.Str("kind"), source.Str("ingestion_mode"), source.Str("status")));
        Assert.Equal("{}", source.GetProperty("adapter_config").GetRawText());
        Assert.Equal(JsonValueKind.Null, source.GetProperty("poll_interval_seconds").ValueKind);
        Assert.Equal(JsonValueKind.Null, source.GetProperty("external_account_id").ValueKind);
    }

    [Theory]
    [InlineData("""{}""", "invalid_provider")]
    [InlineData("""{"provider": "  ", "name": "x"}""", "invalid_provider")]
    [InlineData("""{"provider": "custom"}""", "invalid_name")]
    [InlineData("""{"provider": "custom", "name": "   "}""", "invalid_name")]
    [InlineData("""{"provider": "custom", "name": "x", "ingestion_mode": "stream"}""", "invalid_ingestion_mode")]
    [InlineData("""{"provider": "custom", "name": "x", "ingestion_mode": "Manual"}""", "invalid_ingestion_mode")]
    [InlineData("""{"provider": "custom", "name": "x", "kind": "temporary"}""", "invalid_kind")]
    [InlineData("""{"provider": "custom", "name": "x", "poll_interval_seconds": 59}""", "invalid_poll_interval_seconds")]
    [InlineData("""{"provider": "custom", "name": "x", "poll_interval_seconds": 0}""", "invalid_poll_interval_seconds")]
    [InlineData("""{"provider": "custom", "name": "x", "poll_interval_seconds": "60"}""", "invalid_json")]
    [InlineData("""{"provider": "custom", "name": "x", "adapter_config": [1, 2]}""", "invalid_adapter_config")]
    [InlineData("""{"provider": "custom", "name": "x", "adapter_config": "repo=acme"}""", "invalid_adapter_config")]
    [InlineData("""{"provider": "custom", "name": "x", "end_user_id": "u-1"}""", "invalid_end_user_id")]
    [InlineData("""{"provider": "custom", "name": "x", "kind": "ephemeral", "end_user_id": "not ok"}""", "invalid_end_user_id")]
    [InlineData("""{"provider": "custom", "name": "x",""", "invalid_json")]
    public async Task Invalid_registrations_answer_400_with_the_field_in_the_error(string body, string error)
    {
        using var app = new PortageApp();

        var answer = await app.PostJsonAsync(app.SourcesPath(), body);

        Assert.Equal((400, error), answer.Error());
        Assert.Empty(await app.ListIdsAsync());
    }

    [Fact]
    public async Task Name_is_limited_to_255_characters()
    {
        using var app = new PortageApp();

        var ok = await app.PostJsonAsync(app.SourcesPath(), $$"""{"provider": "custom", "name": "{{new string('n', 255)}}"}""");
        var tooLong = await app.PostJsonAsync(app.SourcesPath(), $$"""{"provider": "custom", "name": "{{new string('n', 256)}}"}""");

        Assert.Equal(201, ok.Status);
        Assert.Equal((400, "invalid_name"), tooLong.Error());
    }

    [Fact]
    public async Task Listing_filters_by_provider_status_kind_and_end_user()
    {
        using var app = new PortageApp();
        var github = (await app.RegisterAsync("""{"provider": "github", "name": "repo"}""")).Id();
        var slack = (await app.RegisterAsync("""{"provider": "slack", "name": "chat", "ingestion_mode": "realtime"}""")).Id();
        Assert.Equal(200, (await app.PostJsonAsync(app.SourcePath(slack, "pause"), null)).Status);
        var alice = (await app.RunAsync(Runs.Body("hello", "alice"))).WindowId;
        var bob = (await app.RunAsync(Runs.Body("hello", "bob"))).WindowId;
        var unbound = (await app.RegisterAsync("""{"provider": "custom", "name": "w", "kind": "ephemeral"}""")).Id();

        Assert.Equal([unbound, bob, alice, slack, github], await app.ListIdsAsync());
        Assert.Equal([github], await app.ListIdsAsync("?provider=github"));
        Assert.Equal([unbound, bob, alice], await app.ListIdsAsync("?provider=custom"));
        Assert.Equal([slack], await app.ListIdsAsync("?status=paused"));
        Assert.Equal([slack, github], await app.ListIdsAsync("?kind=durable"));
        Assert.Equal([unbound, bob, alice], await app.ListIdsAsync("?kind=ephemeral"));
        Assert.Equal([alice], await app.ListIdsAsync("?end_user_id=alice"));
        Assert.Equal([github], await app.ListIdsAsync("?provider=github&status=active&kind=durable"));
        Assert.Empty(await app.ListIdsAsync("?provider=github&kind=ephemeral"));
    }

    [Theory]
    [InlineData("?kind=window", "invalid_kind")]
    [InlineData("?status=gone", "invalid_status")]
    [InlineData("?end_user_id=not%20ok", "invalid_end_user_id")]
    public async Task Invalid_list_filters_answer_400(string query, string error)
    {
        using var app = new PortageApp();

        Assert.Equal((400, error), (await app.GetJsonAsync(app.SourcesPath() + query)).Error());
    }

    [Fact]
    public async Task Unknown_source_answers_404()
    {
        using var app = new PortageApp();

        Assert.Equal((404, "source_not_found"), (await app.GetJsonAsync(app.SourcePath("ds_nope"))).Error());
    }
}
