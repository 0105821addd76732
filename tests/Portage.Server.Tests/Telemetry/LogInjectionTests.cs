using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portage.Testing;

namespace Portage.Server.Tests.Telemetry;

/// <summary>
/// Issue 17, finding 8: text a client chose (an MCP client's name and version, a request path) reaches the logs with its
/// control characters escaped, so it can never start a log line of its own.
/// </summary>
public sealed class LogInjectionTests
{
    private const string Forged = "info: Portage.Server[0] FORGED admin key revoked";

    [Fact]
    public async Task An_mcp_client_name_with_a_newline_cannot_write_a_second_log_line()
    {
        // At the default log levels: the MCP SDK names the client in its Information lines.
        using var app = new ObservedApp(new PortageApp());
        var http = app.Client;
        http.DefaultRequestHeaders.Add("X-Portage-Sandbox-Id", app.Credentials.SandboxId);
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(http.BaseAddress!, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }, http, ownsHttpClient: false);

        await using (var client = await McpClient.CreateAsync(transport, new McpClientOptions
        {
            ClientInfo = new Implementation { Name = "evil\n" + Forged, Version = "1.0\r\n" + Forged },
        }))
        {
            await client.ListToolsAsync();
        }

        var mentions = app.Logs.Records.Where(r => r.Text.Contains("FORGED", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(mentions);
        Assert.All(mentions, r => Assert.DoesNotContain('\n', Message(r)));
        Assert.All(mentions, r => Assert.DoesNotContain('\r', Message(r)));
        Assert.Contains(mentions, r => Message(r).Contains("evil\\n" + Forged, StringComparison.Ordinal));
    }

    // The formatted message alone: an exception logged with it (the SDK's, when a request is cut short) has lines of its own.
    private static string Message(LogRecord record) => record.Message;
}
