using System.Text;

namespace Portage.Server.Tests.Fuzz;

/// <summary>Raw MCP over HTTP (Streamable HTTP, JSON-RPC bodies), so requests can be broken in ways an MCP client never would.</summary>
internal static class McpHandshake
{
    public const string SessionHeader = "Mcp-Session-Id";

    public const string Initialize =
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}}""";

    /// <summary>A POST to <c>/mcp</c> with the headers a well-behaved client sends (the API key is the client's).</summary>
    public static HttpRequestMessage Post(string json, string? sandboxId, string? endUserId, string? sessionId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (sandboxId is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Portage-Sandbox-Id", sandboxId);
        }

        if (endUserId is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Portage-End-User-Id", endUserId);
        }

        if (sessionId is not null)
        {
            request.Headers.TryAddWithoutValidation(SessionHeader, sessionId);
        }

        return request;
    }

    /// <summary>Initializes an MCP session for the client's key, sandbox and end user; returns its id.</summary>
    public static async Task<string> OpenAsync(HttpClient client, string sandboxId, string? endUserId)
    {
        using var init = Post(Initialize, sandboxId, endUserId, null);
        using var response = await client.SendAsync(init);
        Assert.True(response.IsSuccessStatusCode, $"MCP initialize: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var session = response.Headers.GetValues(SessionHeader).Single();
        using var initialized = Post("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", sandboxId, endUserId, session);
        using var ack = await client.SendAsync(initialized);
        Assert.True(ack.IsSuccessStatusCode, $"MCP initialized: {(int)ack.StatusCode}");
        return session;
    }
}
