using System.Net;
using Portage.Testing;

namespace Portage.Server.Tests.Console;

/// <summary>
/// Issue 17, finding 8: the console's files forbid framing, inline script and content sniffing, and send no referrer;
/// API responses are never sniffed either.
/// </summary>
public sealed class SecurityHeadersTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    [InlineData("/app.js")]
    [InlineData("/console.css")]
    public async Task Console_files_carry_a_self_only_policy_and_refuse_framing(string path)
    {
        using var app = new PortageApp();

        using var response = await app.CreateClient().GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = Header(response, "Content-Security-Policy");
        foreach (var directive in new[] { "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'" })
        {
            Assert.Contains(directive, policy, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
    }

    [Fact]
    public async Task The_console_page_has_no_inline_script_or_style_the_policy_would_block()
    {
        using var app = new PortageApp();

        var html = await app.CreateClient().GetStringAsync(new Uri("/", UriKind.Relative));

        Assert.DoesNotMatch(@"<script(?![^>]*\bsrc=)[^>]*>", html);
        Assert.DoesNotMatch(@"\son[a-z]+\s*=", html);
        Assert.DoesNotContain("style=", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<style", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/healthz", false)]
    [InlineData("/api/v1/providers", true)]
    [InlineData("/api/v1/nope", true)]
    [InlineData("/api/v1/providers", false)] // 401: an error body set by the error middleware
    public async Task Api_responses_are_never_sniffed(string path, bool withKey)
    {
        using var app = new PortageApp();
        using var client = withKey ? app.Client : app.CreateClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values)
        : response.Content.Headers.TryGetValues(name, out var content) ? string.Join(", ", content)
        : "";
}
