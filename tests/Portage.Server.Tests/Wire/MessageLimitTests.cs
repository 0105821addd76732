using System.Net.Http.Json;
using System.Text.Json;
using Portage.Server.Tests.Fuzz;
using Portage.Testing;

namespace Portage.Server.Tests.Wire;

/// <summary>
/// Issue 17, finding 5: one request must not fan out into thousands of turns and ingest jobs (a 1 MB body held ~30k
/// messages). A run carries at most <c>Runs:MaxMessagesPerRun</c> user messages; more is 400
/// <c>too_many_messages</c>, refused before anything is recorded. The other ways in take one item a request (an ingest,
/// a conversation turn, an MCP tool call: MCP refuses JSON-RPC batches).
/// </summary>
public sealed class MessageLimitTests
{
    [Fact]
    public async Task A_run_with_more_messages_than_the_default_limit_is_400_too_many_messages_and_records_nothing()
    {
        using var app = new PortageApp();

        var (status, error, detail) = await app.RunErrorAsync(WithMessages(65, "flood"));

        Assert.Equal((400, "too_many_messages"), (status, error));
        Assert.Contains("65", detail, StringComparison.Ordinal);
        Assert.Contains("64", detail, StringComparison.Ordinal);
        Assert.Contains("Runs:MaxMessagesPerRun", detail, StringComparison.Ordinal);
        var runs = await app.Client.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{app.SandboxId}/agents/runs?end_user_id=flood");
        Assert.Empty(runs.GetProperty("runs").EnumerateArray());
    }

    [Fact]
    public async Task The_limit_is_a_setting_and_a_run_at_the_limit_is_served()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Runs:MaxMessagesPerRun"] = "3" });

        var atLimit = await app.RunAsync(WithMessages(3, "u-1"));
        var (status, error, detail) = await app.RunErrorAsync(WithMessages(4, "u-1"));

        Assert.True(atLimit.Finished, atLimit.Terminal.Json.ToString());
        Assert.Equal(3, (await app.TurnsAsync(atLimit.WindowId)).EnumerateArray().Count(t => t.GetProperty("role").GetString() == "user"));
        Assert.Equal((400, "too_many_messages"), (status, error));
        Assert.Contains("at most 3", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_mcp_request_cannot_batch_many_add_turn_calls()
    {
        using var app = new PortageApp();
        using var http = app.Client;
        var run = await app.RunAsync(Runs.Body("hello", endUser: "u-1"));
        var session = await McpHandshake.OpenAsync(http, app.SandboxId, "u-1");
        var calls = Enumerable.Range(1, 50).Select(i => JsonSerializer.Serialize(new
        {
            jsonrpc = "2.0",
            id = i + 10,
            method = "tools/call",
            @params = new { name = "context_window_add_turn", arguments = new { data_source_id = run.WindowId, role = "user", content = $"batched turn {i}" } },
        }));

        using var request = McpHandshake.Post("[" + string.Join(",", calls) + "]", app.SandboxId, "u-1", session);
        using var response = await http.SendAsync(request);

        // JSON-RPC batches are not part of MCP's Streamable HTTP (2025-06-18): the whole body is refused, nothing is added.
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(2, (await app.TurnsAsync(run.WindowId)).GetArrayLength());
    }

    private static Dictionary<string, object?> WithMessages(int count, string endUser)
    {
        var body = Runs.Body("unused", endUser: endUser);
        body["messages"] = Enumerable.Range(1, count).Select(i => new { role = "user", content = $"message number {i}" }).ToArray();
        return body;
    }
}
