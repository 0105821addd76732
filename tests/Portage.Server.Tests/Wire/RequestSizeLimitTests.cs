using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Portage.Core.Tenancy;
using Portage.Testing;

namespace Portage.Server.Tests.Wire;

/// <summary>
/// <c>Server:MaxRequestBodyBytes</c> (1 MiB) holds for every endpoint, <c>/mcp</c> included (the MCP SDK reads that
/// body itself, and took up to Kestrel's 30 MB): a declared length is refused at once, a chunked body when it passes
/// the limit; both are 413 <c>payload_too_large</c>.
/// </summary>
public sealed class RequestSizeLimitTests
{
    private static readonly string s_bigInitialize =
        $$$"""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"big","version":"1"},"pad":"{{{new string('a', 2_000_000)}}}"}}""";

    [Fact]
    public async Task A_body_over_the_limit_is_413_on_mcp_and_on_an_endpoint_that_reads_no_body()
    {
        using var app = new PortageApp();
        using var http = app.Client;

        using var mcp = await http.SendAsync(McpPost(app.SandboxId, new StringContent(s_bigInitialize, Encoding.UTF8, "application/json")));
        using var providers = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/v1/providers")
        {
            Content = new StringContent(s_bigInitialize, Encoding.UTF8, "application/json"),
        });

        Assert.Equal((413, "payload_too_large"), await ErrorAsync(mcp));
        Assert.Equal((413, "payload_too_large"), await ErrorAsync(providers));
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_413_on_mcp_over_kestrel()
    {
        var folder = Path.Combine(Path.GetTempPath(), "portage-tests", Guid.NewGuid().ToString("n"));
        string[] args = ["--urls", "http://127.0.0.1:0", $"--Portage:DataFolder={folder}", "--Windows:SweepIntervalSeconds=0", .. PortageApp.ProviderEnvironment.Select(v => $"--{v}=")];
        try
        {
            await using var router = PortageServer.Build(args);
            await router.StartAsync();
            var url = router.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var credentials = LocalCredentials.TryRead(folder)!;
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credentials.ApiKey);

            // No Content-Length: the limit has to stop the body as it is read.
            var chunked = new PushStreamContent(s_bigInitialize);
            using var response = await http.SendAsync(McpPost(credentials.SandboxId, chunked));

            Assert.Equal((413, "payload_too_large"), await ErrorAsync(response));
            await router.StopAsync();
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A pooled SQLite handle may still be closing; the temp folder is cleaned by the OS.
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_run_body_of_exactly_the_limit_runs_and_one_byte_more_is_413_with_or_without_a_declared_length(bool chunked)
    {
        const int Limit = 3000;
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Server:MaxRequestBodyBytes"] = $"{Limit}" });
        using var http = app.Client;

        using var atLimit = await http.SendAsync(RunPost(app.SandboxId, RunBody(Limit), chunked));
        using var over = await http.SendAsync(RunPost(app.SandboxId, RunBody(Limit + 1), chunked));

        Assert.Equal(HttpStatusCode.OK, atLimit.StatusCode);
        Assert.Contains("event: agent_finish", await atLimit.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal((413, "payload_too_large"), await ErrorAsync(over));
    }

    // A run request of exactly `bytes` bytes of UTF-8 (the message padded).
    private static string RunBody(int bytes)
    {
        const string Head = """{"provider":"echo","end_user_id":"size","messages":[{"role":"user","content":" """;
        const string Tail = "\"}]}";
        return Head + new string('a', bytes - Head.Length - Tail.Length) + Tail;
    }

    private static HttpRequestMessage RunPost(string sandboxId, string json, bool chunked) =>
        new(HttpMethod.Post, $"/api/v1/storage/sandboxes/{sandboxId}/agents/run")
        {
            Content = chunked ? new PushStreamContent(json) : new StringContent(json, Encoding.UTF8, "application/json"),
        };

    private static HttpRequestMessage McpPost(string sandboxId, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = content };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("X-Portage-Sandbox-Id", sandboxId);
        return request;
    }

    private static async Task<(int, string)> ErrorAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return ((int)response.StatusCode, body.GetProperty("error").GetString()!);
    }

    /// <summary>A JSON body written in pieces with no declared length (chunked transfer encoding).</summary>
    private sealed class PushStreamContent : HttpContent
    {
        private readonly byte[] _bytes;

        public PushStreamContent(string json)
        {
            _bytes = Encoding.UTF8.GetBytes(json);
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            try
            {
                for (var offset = 0; offset < _bytes.Length; offset += 64 * 1024)
                {
                    await stream.WriteAsync(_bytes.AsMemory(offset, Math.Min(64 * 1024, _bytes.Length - offset)));
                }
            }
            catch (IOException)
            {
                // The server answered 413 and stopped reading: the rest has nowhere to go.
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
