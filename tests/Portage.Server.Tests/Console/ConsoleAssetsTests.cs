using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Portage.Testing;

namespace Portage.Server.Tests.Console;

/// <summary>The web console's files are served under <c>/</c>; the API's 404s stay JSON; the bootstrap hands out the key only locally.</summary>
public sealed partial class ConsoleAssetsTests
{
    /// <summary>The whole console (HTML, CSS, JS) must stay small: it loads on every visit, uncompressed, with no build step.</summary>
    private const long BundleBudgetBytes = 48 * 1024;

    private const string ResourcePrefix = "Portage.Server.wwwroot.";

    [Fact]
    public async Task Root_serves_the_console_page_with_its_landmarks_and_controls()
    {
        using var app = new PortageApp();

        var response = await app.CreateClient().GetAsync(new Uri("/", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        foreach (var landmark in new[] { "<header", "<nav", "<main", "<aside", "<label for=\"api-key\"", "<html lang=\"en\"" })
        {
            Assert.Contains(landmark, html, StringComparison.Ordinal);
        }

        foreach (var id in new[] { "api-key", "sandbox", "end-user", "provider", "model", "messages", "message", "send", "new-window",
                     "window-panel", "window-id", "turns", "archive-window", "ledger-content", "ledger-menu", "end-users", "windows", "runs", "runs-more",
                     "usage-from", "usage-to", "usage-group", "usage-chart", "usage-table", "status" })
        {
            Assert.Contains($"id=\"{id}\"", html, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/index.html", "text/html")]
    [InlineData("/console.css", "text/css")]
    [InlineData("/app.js", "text/javascript")]
    [InlineData("/sse.js", "text/javascript")]
    [InlineData("/compaction.js", "text/javascript")]
    public async Task Assets_are_served_with_their_content_types(string path, string mediaType)
    {
        using var app = new PortageApp();

        var response = await app.CreateClient().GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-cache", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_module_the_page_imports_is_served()
    {
        using var app = new PortageApp();
        var client = app.CreateClient();
        var pending = new Queue<string>(["app.js"]);
        var seen = new HashSet<string>(StringComparer.Ordinal);

        while (pending.TryDequeue(out var file))
        {
            if (!seen.Add(file))
            {
                continue;
            }

            var response = await client.GetAsync(new Uri("/" + file, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/{file} is {(int)response.StatusCode}");
            foreach (Match import in ImportPattern().Matches(await response.Content.ReadAsStringAsync()))
            {
                pending.Enqueue(import.Groups[1].Value);
            }
        }

        Assert.Equal(EmbeddedFiles().Count(f => f.EndsWith(".js", StringComparison.Ordinal)), seen.Count);
    }

    [Theory]
    [InlineData("/api/v1/nope")]
    [InlineData("/api/v1/storage/sandboxes/sb_x/nothing/here")]
    public async Task Unknown_paths_are_still_json_404s(string path)
    {
        using var app = new PortageApp();

        var response = await app.Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("not_found", body.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Bootstrap_gives_the_development_key_to_a_loopback_caller_in_development()
    {
        using var app = new PortageApp();

        var context = await BootstrapAsync(app, IPAddress.Loopback, "127.0.0.1:5757");

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal("no-store", context.Response.Headers.CacheControl.ToString());
        using var body = JsonDocument.Parse(context.Response.Body);
        Assert.Equal(app.Credentials.ApiKey, body.RootElement.GetProperty("api_key").GetString());
        Assert.Equal(app.SandboxId, body.RootElement.GetProperty("sandbox_id").GetString());
        Assert.Equal(StatusCodes.Status200OK, (await BootstrapAsync(app, IPAddress.IPv6Loopback, "localhost:5757")).Response.StatusCode);
    }

    [Theory]
    [InlineData("192.0.2.10", "127.0.0.1:5757")] // another machine
    [InlineData("127.0.0.1", "rebound.example:5757")] // a DNS name rebound to loopback by some web page
    public async Task Bootstrap_gives_nothing_to_another_machine_or_host_name(string remote, string host)
    {
        using var app = new PortageApp();

        var context = await BootstrapAsync(app, IPAddress.Parse(remote), host);

        Assert.Equal(StatusCodes.Status404NotFound, context.Response.StatusCode);
        Assert.DoesNotContain(app.Credentials.ApiKey, new StreamReader(context.Response.Body).ReadToEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bootstrap_gives_nothing_outside_development_even_on_loopback()
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["environment"] = "Production" });

        var context = await BootstrapAsync(app, IPAddress.Loopback, "127.0.0.1:5757");

        Assert.Equal(StatusCodes.Status404NotFound, context.Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public void The_bundle_stays_within_its_budget()
    {
        var assembly = typeof(PortageServer).Assembly;
        var total = EmbeddedFiles().Sum(name =>
        {
            using var stream = assembly.GetManifestResourceStream(ResourcePrefix + name)!;
            return stream.Length;
        });

        Assert.Contains("index.html", EmbeddedFiles());
        Assert.True(total <= BundleBudgetBytes, $"The console is {total} bytes; the budget is {BundleBudgetBytes}.");
    }

    private static List<string> EmbeddedFiles() =>
        [.. typeof(PortageServer).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .Select(n => n[ResourcePrefix.Length..])];

    private static Task<HttpContext> BootstrapAsync(PortageApp app, IPAddress remote, string host)
    {
        _ = app.Credentials;
        return app.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/console/bootstrap";
            c.Request.Host = new HostString(host);
            c.Connection.RemoteIpAddress = remote;
        });
    }

    [GeneratedRegex("""from '\./([a-z]+\.js)'""")]
    private static partial Regex ImportPattern();
}
