using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Server.Tests.Retrieval;
using Portage.Server.Tests.Sources;
using Portage.Testing;

namespace Portage.Server.Tests.Mcp;

/// <summary>Issue 4, scope 10: every <c>/mcp</c> tool, called through the official MCP C# client.</summary>
public sealed class McpToolTests
{
    private static readonly string[] s_tools =
    [
        "discover", "interpret", "search", "get_origin", "ingest",
        "context_window_create", "context_window_add_turn", "context_window_attach", "context_window_close",
    ];

    [Fact]
    public async Task Lists_every_tool_with_its_input_schema()
    {
        using var app = new PortageApp();
        await using var client = await McpKit.ConnectAsync(app);

        var tools = await client.ListToolsAsync();

        Assert.Equal(s_tools.Order(), tools.Select(t => t.Name).Order());
        var schemas = tools.ToDictionary(t => t.Name, t => t.JsonSchema);
        Assert.All(schemas.Values, s => Assert.Equal("object", s.GetProperty("type").GetString()));
        Assert.Equal(["query"], Required(schemas["discover"]));
        Assert.Equal(["query", "items"], Required(schemas["interpret"]));
        Assert.Equal(["canonical_ids"], Required(schemas["get_origin"]));
        Assert.Equal(["content"], Required(schemas["ingest"]));
        Assert.Equal(["role", "content"], Required(schemas["context_window_add_turn"]));
        Assert.Equal(["data_source_id"], Required(schemas["context_window_attach"]));
        Assert.False(schemas["discover"].GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(Core.Retrieval.RetrievalTools.DiscoverDescription, tools.Single(t => t.Name == "discover").Description);
    }

    [Fact]
    public async Task Ingested_content_is_found_by_discover_search_interpret_and_get_origin()
    {
        using var app = new PortageApp();
        await using var client = await McpKit.ConnectAsync(app);
        var jobs = new List<string>();
        foreach (var (path, text) in Knowledge.RateLimitNotes().Take(3))
        {
            var job = await client.CallAsync("ingest", new() { ["content"] = $"[File: {path}]\n{text}", ["source_type"] = "markdown" });
            Assert.Equal("queued", job.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, job.GetProperty("data_source_id").ValueKind);
            jobs.Add(job.GetProperty("job_id").GetString()!);
        }

        foreach (var job in jobs)
        {
            await Knowledge.WaitAsync(app, job);
        }

        var discover = await client.CallAsync("discover", new() { ["query"] = "rate limits token bucket" });
        var ids = McpKit.LeafIds(discover);
        Assert.Equal(3, ids.Count);
        Assert.StartsWith("## Discover", discover.GetProperty("header").GetString(), StringComparison.Ordinal);
        Assert.Contains("docs/rate-limits-01.md", discover.GetProperty("items").EnumerateArray().SelectMany(i => i.GetProperty("file_paths").EnumerateArray()).Select(f => f.GetString()));

        var search = await client.CallAsync("search", new() { ["query"] = "how long does a rate limit window last?" });
        Assert.Contains("rate limit", search.GetProperty("answer").GetString(), StringComparison.OrdinalIgnoreCase);

        var interpret = await client.CallAsync("interpret", new() { ["query"] = "token bucket", ["items"] = new[] { new[] { ids[0] } } });
        Assert.False(string.IsNullOrWhiteSpace(interpret.GetProperty("brief").GetString()));

        var origin = await client.CallAsync("get_origin", new() { ["canonical_ids"] = ids });
        Assert.Equal(app.SandboxId, origin.GetProperty("sandbox_id").GetString());
        Assert.Equal(3, origin.GetProperty("origins").GetArrayLength());
        Assert.All(origin.GetProperty("origins").EnumerateArray(), o => Assert.StartsWith("docs/rate-limits-", o.GetProperty("files")[0].GetProperty("file_path").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_context_window_records_turns_and_makes_discover_leave_out_what_they_contain()
    {
        using var app = new PortageApp();
        await app.IngestAsync(Knowledge.RateLimitNotes());
        await using var client = await McpKit.ConnectAsync(app, endUserId: "alice");

        var plain = McpKit.LeafIds(await client.CallAsync("discover", new() { ["query"] = "rate limits" }));
        Assert.Equal(5, plain.Count);

        var created = await client.CallAsync("context_window_create", new() { ["name"] = "mcp chat", ["participants"] = new[] { "Alice", "Assistant" } });
        Assert.True(created.GetProperty("active").GetBoolean());
        var window = created.GetProperty("data_source_id").GetString()!;

        var first = await client.CallAsync("context_window_add_turn", new() { ["role"] = "user", ["content"] = "What do we know about rate limits?", ["name"] = "Alice" });
        var second = await client.CallAsync("context_window_add_turn", new() { ["role"] = "assistant", ["content"] = "I already read " + string.Join(", ", plain) + "." });
        Assert.Equal((window, 1), (first.GetProperty("data_source_id").GetString(), first.GetProperty("turn_count").GetInt32()));
        Assert.Equal((window, 2), (second.GetProperty("data_source_id").GetString(), second.GetProperty("turn_count").GetInt32()));

        var turns = (await app.GetJsonAsync(app.SourcePath(window, "turns"))).Json;
        Assert.Equal("alice", turns.GetProperty("end_user_id").GetString());
        Assert.Equal(["Alice", "Assistant"], turns.GetProperty("turns").EnumerateArray().Select(t => t.GetProperty("speaker").GetString()));
        Assert.Equal("What do we know about rate limits?", turns.GetProperty("turns")[0].GetProperty("text").GetString());

        // The window's turns are the history: the items they name are left out, so the next layer comes back.
        var next = McpKit.LeafIds(await client.CallAsync("discover", new() { ["query"] = "rate limits" }));
        Assert.Equal(5, next.Count);
        Assert.Empty(next.Intersect(plain));

        var closed = await client.CallAsync("context_window_close");
        Assert.Equal((window, true), (closed.GetProperty("data_source_id").GetString(), closed.GetProperty("closed").GetBoolean()));
        Assert.Equal("disconnected", (await app.SourceAsync(window)).Str("status"));
        Assert.Equal(plain, McpKit.LeafIds(await client.CallAsync("discover", new() { ["query"] = "rate limits" })));
    }

    [Fact]
    public async Task Attach_resumes_a_window_in_a_new_session_and_counts_its_turns()
    {
        using var app = new PortageApp();
        string window;
        await using (var first = await McpKit.ConnectAsync(app, endUserId: "alice"))
        {
            window = (await first.CallAsync("context_window_create")).GetProperty("data_source_id").GetString()!;
            await first.CallAsync("context_window_add_turn", new() { ["role"] = "user", ["content"] = "hello" });
        }

        await using var second = await McpKit.ConnectAsync(app, endUserId: "alice");
        Assert.Equal(McpKit.NoActiveWindow, await second.FailAsync("context_window_add_turn", new() { ["role"] = "user", ["content"] = "lost" }));
        var attached = await second.CallAsync("context_window_attach", new()
        {
            ["data_source_id"] = window,
            ["initial_turns"] = new[] { new Dictionary<string, string> { ["role"] = "user", ["content"] = "hello" }, new Dictionary<string, string> { ["role"] = "assistant", ["content"] = "hi there" } },
        });
        Assert.Equal((window, 2, true), (attached.GetProperty("data_source_id").GetString(), attached.GetProperty("turn_count").GetInt32(), attached.GetProperty("active").GetBoolean()));
        Assert.Equal(2, (await second.CallAsync("context_window_add_turn", new() { ["role"] = "assistant", ["content"] = "welcome back" })).GetProperty("turn_count").GetInt32());

        // Another end user cannot attach it (rule 2): it answers as a missing window.
        await using var bob = await McpKit.ConnectAsync(app, endUserId: "bob");
        Assert.Contains("No Context Window", await bob.FailAsync("context_window_attach", new() { ["data_source_id"] = window }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Window_tools_without_an_active_window_and_bad_arguments_are_tool_errors()
    {
        using var app = new PortageApp();
        await using var client = await McpKit.ConnectAsync(app);

        Assert.Equal("No active Context Window — call context_window_create or context_window_attach first.",
            await client.FailAsync("context_window_add_turn", new() { ["role"] = "user", ["content"] = "hi" }));
        Assert.Equal(McpKit.NoActiveWindow, await client.FailAsync("context_window_close"));
        Assert.Contains("invalid_query", await client.FailAsync("discover", new() { ["query"] = "" }), StringComparison.Ordinal);
        Assert.Contains("role", await client.FailAsync("context_window_add_turn", new() { ["role"] = "robot", ["content"] = "hi", ["data_source_id"] = "ds_x" }), StringComparison.Ordinal);
        Assert.Contains("source_not_found", await client.FailAsync("context_window_attach", new() { ["data_source_id"] = "ds_missing" }), StringComparison.Ordinal);
        Assert.Contains("invalid_text", await client.FailAsync("ingest", new() { ["content"] = "   " }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer not-a-key")]
    [InlineData("Basic abc")]
    public async Task A_missing_or_bad_bearer_is_401_before_the_mcp_layer(string? authorization)
    {
        using var app = new PortageApp();
        using var http = app.CreateClient();
        using var request = Initialize(app.SandboxId);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("unauthorized", body.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("detail").GetString()));
        await Assert.ThrowsAnyAsync<Exception>(() => McpKit.ConnectAsync(app, apiKey: "not-a-key"));
    }

    [Theory]
    [InlineData("application/json;;;")]
    [InlineData("application/json; charset=\"")]
    [InlineData("text/plain")]
    public async Task A_post_whose_content_type_is_not_json_is_415_not_a_500(string contentType)
    {
        using var app = new PortageApp();
        using var http = app.Client;
        using var request = Initialize(app.SandboxId);
        request.Content!.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("unsupported_media_type", body.GetProperty("error").GetString());
        Assert.Contains("application/json", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_accounts_sandbox_is_404_and_a_missing_sandbox_is_400()
    {
        using var app = new PortageApp();
        using var http = app.Client;

        using (var response = await http.SendAsync(Initialize("sb_someone_else")))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("sandbox_not_found", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }

        using (var response = await http.SendAsync(Initialize(null)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("missing_sandbox_id", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }

        await Assert.ThrowsAnyAsync<Exception>(() => McpKit.ConnectAsync(app, sandboxId: "sb_someone_else"));
    }

    private static List<string> Required(JsonElement schema) => [.. schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()!)];

    private static HttpRequestMessage Initialize(string? sandboxId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = JsonContent.Create(new
            {
                jsonrpc = "2.0",
                id = 1,
                method = "initialize",
                @params = new { protocolVersion = "2025-06-18", capabilities = new { }, clientInfo = new { name = "test", version = "1" } },
            }),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (sandboxId is not null)
        {
            request.Headers.Add("X-Portage-Sandbox-Id", sandboxId);
        }

        return request;
    }
}
