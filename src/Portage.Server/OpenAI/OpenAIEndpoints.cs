using Portage.Core.Providers;
using Portage.Protocol.Tenancy;
using Portage.Server.Endpoints;
using Portage.Server.OpenApi;

namespace Portage.Server.OpenAI;

/// <summary>
/// The OpenAI-compatible routes under <c>/v1</c>, for the clients written against OpenAI's SDKs: the same bearer keys as
/// <c>/api/v1</c> (scope <c>runs</c>), the key's default sandbox unless <c>X-Portage-Sandbox-Id</c> names another, and
/// errors in OpenAI's shape (<see cref="OpenAIErrors"/>).
/// </summary>
internal static class OpenAIEndpoints
{
    public static IEndpointRouteBuilder MapOpenAICompatible(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").AddEndpointFilter<ApiKeyFilter>().RequireScope(ApiKeyScopes.Runs).ProducesOpenAIErrors().WithTags("OpenAI-compatible");
        v1.MapPost("/chat/completions", (HttpContext context, ChatCompletions completions) => completions.CompleteAsync(context))
            .ReadsJson<ChatCompletionRequest>().Produces<ChatCompletion>(contentType: EndpointDocs.Json)
            .Produces<ChatCompletionChunk>(contentType: "text/event-stream")
            .WithSummary("OpenAI Chat Completions: model is provider/model; stream: true answers chat.completion.chunk frames");
        v1.MapGet("/models", ListModels).WithSummary("The configured provider/model names").Produces<ModelList>();
        return app;
    }

    // OpenAI's `created` is when a model was published; Portage does not know it, and says 0.
    private static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<ModelList> ListModels(ProviderRegistry registry) =>
        TypedResults.Json(new ModelList([.. ChatModels.List(registry).Select(m => new ModelEntry(m.Id, 0, m.Provider))]), OpenAIJson.Default.ModelList);
}
