using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portage.Testing;

namespace Portage.Server.Tests.Mcp;

/// <summary>The official MCP C# client, connected to the in-process router's <c>/mcp</c> through the test server.</summary>
internal static class McpKit
{
    public const string NoActiveWindow = "No active Context Window — call context_window_create or context_window_attach first.";

    public static async Task<McpClient> ConnectAsync(PortageApp app, string? sandboxId = null, string? endUserId = null, string? apiKey = null)
    {
        var headers = new Dictionary<string, string>
        {
            ["Authorization"] = $"Bearer {apiKey ?? app.Credentials.ApiKey}",
            ["X-Portage-Sandbox-Id"] = sandboxId ?? app.SandboxId,
        };
        if (endUserId is not null)
        {
            headers["X-Portage-End-User-Id"] = endUserId;
        }

        var http = app.CreateClient();
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(http.BaseAddress!, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = headers,
        }, http, ownsHttpClient: true);
        return await McpClient.CreateAsync(transport);
    }

    /// <summary>Calls a tool and returns its JSON result; fails the test on a tool error.</summary>
    public static async Task<JsonElement> CallAsync(this McpClient client, string tool, Dictionary<string, object?>? args = null)
    {
        var result = await client.CallToolAsync(tool, args ?? []);
        var text = string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));
        Assert.True(result.IsError is not true, $"{tool}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Calls a tool that must fail; returns the error text.</summary>
    public static async Task<string> FailAsync(this McpClient client, string tool, Dictionary<string, object?>? args = null)
    {
        var result = await client.CallToolAsync(tool, args ?? []);
        Assert.True(result.IsError, $"{tool} should have failed");
        return string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));
    }

    public static List<string> LeafIds(JsonElement discover) =>
        [.. discover.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("canonical_ids").EnumerateArray().Last().GetString()!)];
}
