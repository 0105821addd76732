using System.Net.Http.Headers;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Portage.Core.Sources;
using Portage.Core.Tenancy;
using Portage.Server.Tests.Copass;
using Portage.Testing;

namespace Portage.Server.Tests.Sources;

/// <summary>
/// <c>DELETE …/sources/{id}</c> removes a registration only (409 for a window with history), and
/// <c>POST …/sources/{id}/purge</c> deletes content with counts, then the registration with <c>delete_source</c>.
/// </summary>
public sealed class DeleteAndPurgeTests
{
    [Fact]
    public async Task Delete_removes_a_durable_registration()
    {
        using var app = new PortageApp();
        var id = (await app.RegisterAsync("""{"provider": "github", "name": "repo"}""")).Id();

        var (status, body) = await app.DeleteJsonAsync(app.SourcePath(id));

        Assert.Equal(200, status);
        Assert.True(body.GetProperty("success").GetBoolean());
        Assert.Equal((404, "source_not_found"), (await app.GetJsonAsync(app.SourcePath(id))).Error());
        Assert.Equal((404, "source_not_found"), (await app.DeleteJsonAsync(app.SourcePath(id))).Error());
    }

    [Fact]
    public async Task Delete_of_an_unused_window_succeeds_and_of_a_used_one_answers_409()
    {
        using var app = new PortageApp();
        var unused = (await app.RegisterAsync("""{"provider": "custom", "name": "w", "kind": "ephemeral"}""")).Id();
        var used = (await app.RunAsync(Runs.Body("hello"))).WindowId;

        Assert.Equal(200, (await app.DeleteJsonAsync(app.SourcePath(unused))).Status);
        var refused = await app.DeleteJsonAsync(app.SourcePath(used));

        Assert.Equal((409, "source_has_history"), refused.Error());
        Assert.Contains("delete_source", refused.Json.Str("detail"), StringComparison.Ordinal);
        Assert.Equal(2, (await app.TurnsAsync(used)).GetArrayLength());
    }

    [Fact]
    public async Task Purge_deletes_a_windows_turns_and_sessions_and_counts_them()
    {
        using var app = new PortageApp();
        var first = await app.RunAsync(Runs.Body("one"));
        await app.RunAsync(Runs.Body("two", session: first.SessionId));

        var (status, purge) = await app.PostJsonAsync(app.SourcePath(first.WindowId, "purge"), null);

        Assert.Equal(200, status);
        Assert.True(purge.GetProperty("success").GetBoolean());
        Assert.False(purge.GetProperty("delete_source_applied").GetBoolean());
        Assert.Equal((4, 1, 0), (purge.GetProperty("turns_deleted").GetInt64(), purge.GetProperty("sessions_deleted").GetInt64(),
            purge.GetProperty("runs_deleted").GetInt64()));
        Assert.Equal(0, (await app.TurnsAsync(first.WindowId)).GetArrayLength());
        Assert.Equal(0, (await app.SourceAsync(first.WindowId)).GetProperty("turn_count").GetInt32());

        // The purged session is gone; the window itself goes on from an empty log.
        Assert.Equal((404, "session_not_found"), await app.RunErrorAsync(Runs.Body("three", session: first.SessionId)).Status());
        var next = await app.RunAsync(Runs.Body("three", window: first.WindowId));
        Assert.Contains("received 0 prior turns", next.Text, StringComparison.Ordinal);
        Assert.Equal(1, (await app.TurnsAsync(first.WindowId))[0].GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task Purge_answers_the_copass_count_fields_and_keeps_portages_own_beside_them()
    {
        using var app = new PortageApp();
        var first = await app.RunAsync(Runs.Body("one"));
        await app.RunAsync(Runs.Body("two", session: first.SessionId));

        var (status, purge) = await app.PostJsonAsync(app.SourcePath(first.WindowId, "purge"), """{"delete_source": true}""");

        Assert.Equal(200, status);
        CopassShape.AssertFields(purge, "success:boolean", "delete_source_applied:boolean",
            "events_deleted:integer", "extractions_deleted:integer", "canonical_index_rows_deleted:integer", "entity_vectors_deleted:integer",
            "triggers_deleted:integer", "webhooks_deleted:integer", "event_seen_deleted:integer", "project_links_deleted:integer",
            "strategy_artifacts_deleted:integer", "pull_artifacts_deleted:integer", "user_strategies_deleted:integer", "vault_objects_deleted:integer",
            "turns_deleted:integer", "sessions_deleted:integer", "runs_deleted:integer", "chunks_deleted:integer");
        // A window's turns are its conversation events; its indexed chunks are what origins counts as extractions.
        Assert.Equal((4L, purge.GetProperty("chunks_deleted").GetInt64()),
            (purge.GetProperty("events_deleted").GetInt64(), purge.GetProperty("extractions_deleted").GetInt64()));
        Assert.Equal(4, purge.GetProperty("turns_deleted").GetInt64());
        Assert.All(["canonical_index_rows_deleted", "entity_vectors_deleted", "triggers_deleted", "webhooks_deleted", "event_seen_deleted",
            "project_links_deleted", "strategy_artifacts_deleted", "pull_artifacts_deleted", "user_strategies_deleted", "vault_objects_deleted"],
            name => Assert.Equal(0, purge.GetProperty(name).GetInt64()));
    }

    [Fact]
    public async Task Purge_with_delete_source_deletes_runs_and_the_registration()
    {
        using var app = new PortageApp();
        var first = await app.RunAsync(Runs.Body("one"));
        await app.RunAsync(Runs.Body("two", session: first.SessionId));

        var (status, purge) = await app.PostJsonAsync(app.SourcePath(first.WindowId, "purge"), """{"delete_source": true}""");

        Assert.Equal(200, status);
        Assert.True(purge.GetProperty("delete_source_applied").GetBoolean());
        Assert.Equal((4, 1, 2), (purge.GetProperty("turns_deleted").GetInt64(), purge.GetProperty("sessions_deleted").GetInt64(),
            purge.GetProperty("runs_deleted").GetInt64()));
        Assert.Equal((404, "source_not_found"), (await app.GetJsonAsync(app.SourcePath(first.WindowId))).Error());
        Assert.Equal((404, "window_not_found"), await app.RunErrorAsync(Runs.Body("again", window: first.WindowId)).Status());
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"delete_source": false}""")]
    public async Task Purge_of_a_durable_source_keeps_the_registration_unless_asked(string body)
    {
        using var app = new PortageApp();
        var id = (await app.RegisterAsync("""{"provider": "github", "name": "repo"}""")).Id();

        var (status, purge) = await app.PostJsonAsync(app.SourcePath(id, "purge"), body);

        Assert.Equal(200, status);
        Assert.False(purge.GetProperty("delete_source_applied").GetBoolean());
        Assert.Equal(0, purge.GetProperty("turns_deleted").GetInt64());
        Assert.Equal("active", (await app.SourceAsync(id)).Str("status"));
    }

    [Fact]
    public async Task Purge_validates_its_body_and_answers_404_for_an_unknown_source()
    {
        using var app = new PortageApp();
        var id = (await app.RegisterAsync("""{"provider": "github", "name": "repo"}""")).Id();

        Assert.Equal((400, "invalid_json"), (await app.PostJsonAsync(app.SourcePath(id, "purge"), """{"delete_source": "yes"}""")).Error());
        Assert.Equal((404, "source_not_found"), (await app.PostJsonAsync(app.SourcePath("ds_nope", "purge"), null)).Error());
    }

    [Fact]
    public async Task Purge_calls_every_registered_participant_and_reports_its_counts()
    {
        using var app = new PortageApp();
        var participant = new CountingParticipant();
        using var host = app.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IPurgeParticipant>(participant)));
        using var client = host.CreateClient();
        var credentials = LocalCredentials.TryRead(app.DataFolderPath)!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credentials.ApiKey);
        var sources = $"/api/v1/storage/sandboxes/{credentials.SandboxId}/sources";
        var (_, source) = await app.PostJsonAsync(sources, """{"provider": "github", "name": "repo"}""", client);

        var (status, purge) = await app.PostJsonAsync($"{sources}/{source.Id()}/purge", """{"delete_source": true}""", client);

        Assert.Equal(200, status);
        Assert.Equal(7, purge.GetProperty("chunks_deleted").GetInt64());
        Assert.True(purge.GetProperty("delete_source_applied").GetBoolean());
        var seen = Assert.Single(participant.Purged);
        Assert.Equal((source.Id(), SourceKind.Durable, "github"), (seen.Id, seen.Kind, seen.Provider));
    }

    private sealed class CountingParticipant : IPurgeParticipant
    {
        public List<DataSourceRecord> Purged { get; } = [];

        public Task<IReadOnlyDictionary<string, long>> PurgeAsync(DataSourceRecord source, CancellationToken cancellationToken)
        {
            Purged.Add(source);
            return Task.FromResult<IReadOnlyDictionary<string, long>>(new Dictionary<string, long> { ["chunks_deleted"] = 7 });
        }
    }
}
