using Portage.Client.Tests.ChatClient;
using Portage.Client.Tests.Fakes;
using Portage.Protocol.Ingest;
using Portage.Protocol.Retrieval;
using Portage.Protocol.Sources;
using Portage.Testing;

namespace Portage.Client.Tests;

/// <summary>
/// <c>Client.Retrieval</c> against the real router in process (discover, interpret, search, origins and the §6.5
/// presets), and a turn added to a paused window refused as a run on it is.
/// </summary>
public sealed class RetrievalTests
{
    [Fact]
    public async Task Discover_interpret_search_and_origins_answer_over_ingested_content_with_presets()
    {
        using var app = new PortageApp();
        using var http = app.CreateClient();
        using var router = ChatClientConversationTests.Router(app, http);
        var client = router.Client;
        var job = await client.Ingest.TextAsync(app.SandboxId, new IngestTextRequest { Text = "# Frost\n\nAlerts fire below -2 °C.", FilePath = "notes/frost.md" });
        Assert.Equal("completed", (await client.Ingest.WaitForJobAsync(app.SandboxId, job.JobId, TimeSpan.FromMilliseconds(20))).Status);

        var menu = await client.Retrieval.DiscoverAsync(app.SandboxId, new RetrievalRequest { Query = "frost alerts", History = [], Preset = "copass/copass_2.0" });
        var item = Assert.Single(menu.Items);
        var brief = await client.Retrieval.InterpretAsync(app.SandboxId, new RetrievalRequest { Query = "frost alerts", History = [], Items = [item.CanonicalIds] });
        var answer = await client.Retrieval.SearchAsync(app.SandboxId, new RetrievalRequest { Query = "When do frost alerts fire?", Preset = "copass/copass_1.0:thinking" });
        var origins = await client.Retrieval.OriginsAsync(app.SandboxId, new OriginsRequest { CanonicalIds = [item.CanonicalIds[^1]] });

        Assert.Equal("frost.md › Frost", item.Summary);
        Assert.Contains("-2 °C", brief.Brief, StringComparison.Ordinal);
        Assert.Equal("copass/copass_1.0:thinking", answer.Preset);
        Assert.Equal("notes/frost.md", Assert.Single(Assert.Single(origins.Origins).Files).FilePath);
        var refused = await Assert.ThrowsAsync<AgentRouterException>(() =>
            client.Retrieval.DiscoverAsync(app.SandboxId, new RetrievalRequest { Query = "frost", Preset = "copass/copass_1.0:thinking" }));
        Assert.Equal(("invalid_preset", 400), (refused.ErrorType, (int?)refused.StatusCode));
    }

    [Fact]
    public async Task Calls_post_to_the_query_paths_of_the_sandbox()
    {
        var handler = FakeHandler.Json("""{"answer":"a","preset":"fast","execution_time_ms":1,"sandbox_id":"sb 1","query":"q"}""");
        using var router = TestRouter.Create(handler);

        var answer = await router.Client.Retrieval.SearchAsync("sb 1", new RetrievalRequest { Query = "q", Preset = "fast" });

        Assert.Equal("fast", answer.Preset);
        var request = Assert.Single(handler.Requests);
        Assert.Equal("POST /api/v1/query/sandboxes/sb%201/search", $"{request.Method} {request.Uri.AbsolutePath}");
        Assert.Equal("""{"query":"q","preset":"fast"}""", request.Body);
    }

    [Fact]
    public async Task A_turn_added_to_a_paused_window_is_refused_with_window_paused()
    {
        using var app = new PortageApp();
        using var http = app.CreateClient();
        using var router = ChatClientConversationTests.Router(app, http);
        var client = router.Client;
        var window = await client.DataSources.RegisterAsync(app.SandboxId, new RegisterDataSourceRequest { Provider = "custom", Name = "w", Kind = "ephemeral" });
        await client.DataSources.PauseAsync(app.SandboxId, window.DataSourceId);

        var refused = await Assert.ThrowsAsync<AgentRouterException>(() => client.Ingest.TextAsync(app.SandboxId,
            new IngestTextRequest { Text = "hello", SourceType = "conversation", DataSourceId = window.DataSourceId, Speaker = "User" }));

        Assert.Equal(("window_paused", 409), (refused.ErrorType, (int?)refused.StatusCode));
        Assert.Equal("paused", (await client.DataSources.GetAsync(app.SandboxId, window.DataSourceId)).Status);
    }
}
