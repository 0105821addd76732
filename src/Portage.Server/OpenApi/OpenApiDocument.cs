using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portage.Server.OpenApi;

/// <summary>
/// The OpenAPI document of the HTTP API at <c>/openapi/v1.json</c>, without a key (like <c>/healthz</c>): it describes
/// the routes, never a tenant's data. Schemas come from the same JSON options the wire uses (snake_case, strict
/// numbers; see <c>PortageServer</c>), so they show the names a client sends.
/// </summary>
internal static class OpenApiDocument
{
    /// <summary>Where the document is served.</summary>
    public const string Path = "/openapi/v1.json";

    public static IServiceCollection AddPortageOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options => options.AddOperationTransformer(DescribeRequestBodyAsync).AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Portage",
                Version = "v1",
                Description = "The Portage agent router: the Copass-compatible API under /api/v1 (errors {\"error\",\"detail\"}) "
                    + "and the OpenAI-compatible routes under /v1 (errors in OpenAI's shape). Every route but the probes and this "
                    + "document needs Authorization: Bearer <api key>.",
            };
            return Task.CompletedTask;
        }));

    // The body a route declared with ReadsJson, as the operation's requestBody.
    private static async Task DescribeRequestBodyAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<JsonRequestBody>().LastOrDefault() is not { } body)
        {
            return;
        }

        var schema = await context.GetOrCreateSchemaAsync(body.Type, parameterDescription: null, ct);
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = !body.Optional,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { [EndpointDocs.Json] = new() { Schema = schema } },
        };
    }

    public static WebApplication MapPortageOpenApi(this WebApplication app)
    {
        app.MapOpenApi(Path);
        return app;
    }
}
