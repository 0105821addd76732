using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Portage.Testing;

namespace Portage.Server.Tests.OpenApi;

/// <summary>
/// Issue 15, item 6: the OpenAPI document at <c>/openapi/v1.json</c> is served without a key, describes every route the
/// app really maps (and no other), and its schemas are the wire's: snake_case names, the request bodies, and the error
/// bodies on the 4xx answers.
/// </summary>
public sealed class OpenApiDocumentTests
{
    // Routes deliberately left out of the document, each for a reason.
    private static readonly Dictionary<string, string> s_undocumented = new(StringComparer.Ordinal)
    {
        // MCP's Streamable HTTP transport: JSON-RPC on one path, described by MCP itself (tools/list), not REST.
        ["/mcp"] = "MCP transport",
        // Prometheus's scrape endpoint: its text exposition format, for a scraper rather than an API client.
        ["/metrics"] = "Prometheus scrape",
        // The document does not list itself.
        ["/openapi/v1.json"] = "the document",
        // The console's handshake (Development and loopback only); the console is not the public API.
        ["/console/bootstrap"] = "console",
        // Every unknown path's 404.
        ["/{path}"] = "fallback",
    };

    [Fact]
    public async Task The_document_is_served_without_a_key_as_openapi_3_json()
    {
        using var app = new PortageApp();

        var response = await app.CreateClient().GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Equal("Portage", document.RootElement.GetProperty("info").GetProperty("title").GetString());
    }

    [Fact]
    public async Task Every_mapped_route_is_documented_with_its_method_and_every_documented_route_is_mapped()
    {
        using var app = new PortageApp();
        using var document = await ReadAsync(app);

        var mapped = MappedRoutes(app).Where(r => !s_undocumented.ContainsKey(r.Path)).ToHashSet();
        var documented = Operations(document).Select(o => (o.Path, o.Method)).ToHashSet();

        Assert.NotEmpty(mapped);
        Assert.Empty(mapped.Except(documented).Select(r => $"{r.Method} {r.Path}").Order());
        Assert.Empty(documented.Except(mapped).Select(r => $"{r.Method} {r.Path}").Order());
    }

    [Fact]
    public async Task Every_operation_describes_its_success_body_and_its_errors()
    {
        using var app = new PortageApp();
        using var document = await ReadAsync(app);

        foreach (var (path, method, operation) in Operations(document))
        {
            var responses = operation.GetProperty("responses").EnumerateObject().ToList();
            var success = responses.Where(r => r.Name.StartsWith('2')).ToList();
            Assert.True(success.Count > 0, $"{method} {path} has no 2xx answer");
            Assert.All(success, r => Assert.True(HasSchema(r.Value), $"{method} {path} {r.Name} has no schema"));
            if (path != "/healthz")
            {
                var errors = responses.Where(r => r.Name.StartsWith('4') || r.Name.StartsWith('5')).ToList();
                Assert.True(errors.Count > 0, $"{method} {path} has no error answer");
                Assert.All(errors, r => Assert.True(HasSchema(r.Value), $"{method} {path} {r.Name} has no error body"));
            }
        }
    }

    [Fact]
    public async Task The_run_request_schema_has_the_wire_names_and_its_4xx_answers_are_error_and_detail()
    {
        using var app = new PortageApp();
        using var document = await ReadAsync(app);
        var run = document.RootElement.GetProperty("paths").GetProperty("/api/v1/storage/sandboxes/{sandboxId}/agents/run").GetProperty("post");

        var request = Resolve(document, run.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        var properties = request.GetProperty("properties");
        Assert.True(properties.TryGetProperty("end_user_id", out _));
        Assert.True(properties.TryGetProperty("messages", out _));
        Assert.False(properties.TryGetProperty("endUserId", out _));

        var badRequest = Resolve(document, run.GetProperty("responses").GetProperty("400").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Assert.Equal(["detail", "error"], badRequest.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task The_openai_routes_document_openai_shaped_errors()
    {
        using var app = new PortageApp();
        using var document = await ReadAsync(app);
        var completions = document.RootElement.GetProperty("paths").GetProperty("/v1/chat/completions").GetProperty("post");

        var body = Resolve(document, completions.GetProperty("responses").GetProperty("404").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        var error = Resolve(document, body.GetProperty("properties").GetProperty("error"));
        var fields = error.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("message", fields);
        Assert.Contains("type", fields);
        Assert.Contains("code", fields);
        var request = Resolve(document, completions.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Assert.True(request.GetProperty("properties").TryGetProperty("stream_options", out _));
    }

    private static async Task<JsonDocument> ReadAsync(PortageApp app) =>
        JsonDocument.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json"));

    // The app's own routes as the router sees them: "/api/v1/…/{sandboxId}" and each HTTP method.
    private static IEnumerable<(string Path, string Method)> MappedRoutes(PortageApp app)
    {
        var endpoints = app.Get<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.NotEmpty(endpoints);
        foreach (var endpoint in endpoints)
        {
            var path = "/" + string.Join("/", endpoint.RoutePattern.PathSegments.Select(Segment));
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"];
            foreach (var method in methods)
            {
                yield return (path, method.ToUpperInvariant());
            }
        }
    }

    private static string Segment(RoutePatternPathSegment segment) => string.Concat(segment.Parts.Select(part => part switch
    {
        RoutePatternLiteralPart literal => literal.Content,
        RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
        RoutePatternSeparatorPart separator => separator.Content,
        _ => "?",
    }));

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonDocument document)
    {
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is not ("parameters" or "summary" or "description")))
            {
                yield return (path.Name, operation.Name.ToUpperInvariant(), operation.Value);
            }
        }
    }

    private static bool HasSchema(JsonElement response) =>
        response.TryGetProperty("content", out var content) && content.EnumerateObject().Any(c => c.Value.TryGetProperty("schema", out _));

    private static JsonElement Resolve(JsonDocument document, JsonElement schema)
    {
        if (!schema.TryGetProperty("$ref", out var reference))
        {
            return schema;
        }

        var name = reference.GetString()!["#/components/schemas/".Length..];
        return document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty(name);
    }
}
