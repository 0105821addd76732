using Portage.Core.Providers;
using Portage.Core.Tenancy;
using Portage.Server.OpenAI.Responses;
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
        v1.MapPost("/responses", (HttpContext context, Responses.Responses responses) => responses.CreateAsync(context))
            .ReadsJson<ResponseRequest>().Produces<ResponseObject>(contentType: EndpointDocs.Json)
            .Produces<ResponseStreamEvent>(contentType: "text/event-stream")
            .WithSummary("OpenAI Responses: model is provider/model, user is required; previous_response_id continues a conversation, on any provider");
        v1.MapGet("/responses/{response_id}", GetResponse).WithSummary("A response: every run is one, unless deleted").Produces<ResponseObject>();
        v1.MapGet("/responses/{response_id}/input_items", ListInputItems).WithSummary("The response's input items: its user turns").Produces<ResponseItemList>();
        v1.MapDelete("/responses/{response_id}", DeleteResponse).WithSummary("Deletes the response; its turns stay in the conversation's window").Produces<ResponseDeleted>();
        v1.MapGet("/models", ListModels).WithSummary("The configured provider/model names").Produces<ModelList>();
        v1.MapGet("/models/{**model}", GetModel).WithSummary("One listed model, by its provider/model name").Produces<ModelEntry>();
        return app;
    }

    private static async Task<IResult> GetResponse(string response_id, HttpContext context, StoredResponses stored, TenancyService tenancy)
    {
        var sandbox = await V1Sandbox.ResolveAsync(context, tenancy, context.RequestAborted);
        return TypedResults.Json(await stored.GetAsync(sandbox.Id, response_id, context.RequestAborted), ResponsesJson.Default.ResponseObject);
    }

    private static async Task<IResult> ListInputItems(string response_id, HttpContext context, StoredResponses stored, TenancyService tenancy, int? limit = null, string? order = null, string? after = null)
    {
        if (limit is < 1 or > 100 || order is not (null or "asc" or "desc"))
        {
            throw OpenAIRequestException.BadRequest("invalid_parameter", "limit is 1–100 (default 20) and order is asc or desc (default desc).", limit is < 1 or > 100 ? "limit" : "order");
        }

        var sandbox = await V1Sandbox.ResolveAsync(context, tenancy, context.RequestAborted);
        var page = await stored.InputItemsAsync(sandbox.Id, response_id, limit ?? 20, order == "asc", after, context.RequestAborted);
        return TypedResults.Json(page, ResponsesJson.Default.ResponseItemList);
    }

    private static async Task<IResult> DeleteResponse(string response_id, HttpContext context, StoredResponses stored, TenancyService tenancy)
    {
        var sandbox = await V1Sandbox.ResolveAsync(context, tenancy, context.RequestAborted);
        return TypedResults.Json(await stored.DeleteAsync(sandbox.Id, response_id, context.RequestAborted), ResponsesJson.Default.ResponseDeleted);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<ModelEntry> GetModel(string model, ProviderRegistry registry) =>
        ChatModels.List(registry).Where(m => m.Id == Uri.UnescapeDataString(model)).Select(m => TypedResults.Json(new ModelEntry(m.Id, 0, m.Provider), OpenAIJson.Default.ModelEntry)).FirstOrDefault()
        ?? throw new OpenAIRequestException(Core.Errors.ErrorKind.NotFound, "model_not_found",
            $"The model '{model}' does not exist on this router: GET /v1/models lists the configured provider/model names.", "model");

    // OpenAI's `created` is when a model was published; Portage does not know it, and says 0.
    private static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<ModelList> ListModels(ProviderRegistry registry) =>
        TypedResults.Json(new ModelList([.. ChatModels.List(registry).Select(m => new ModelEntry(m.Id, 0, m.Provider))]), OpenAIJson.Default.ModelList);
}
