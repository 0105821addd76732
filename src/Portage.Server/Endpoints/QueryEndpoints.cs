using Microsoft.Extensions.Options;
using Portage.Core.Retrieval;
using Portage.Core.Tenancy;
using Portage.Protocol;
using Portage.Protocol.Retrieval;
using Portage.Protocol.Tenancy;
using Portage.Server.OpenApi;

namespace Portage.Server.Endpoints;

/// <summary>
/// Window-aware retrieval over a sandbox's ingested content (copass-compat §6): discover, interpret, search, origins.
/// Conversation memory is searched only for the <c>end_user_id</c> the caller names (Portage extension).
/// </summary>
internal static class QueryEndpoints
{
    public static RouteGroupBuilder MapQueries(this RouteGroupBuilder sandbox)
    {
        sandbox.RequireScope(ApiKeyScopes.Runs).WithTags("Retrieval");
        sandbox.MapPost("/discover", DiscoverAsync).WithSummary("Discover what the sandbox knows")
            .ReadsJson<RetrievalRequest>().Produces<DiscoverResponse>();
        sandbox.MapPost("/interpret", InterpretAsync).WithSummary("Interpret chosen items")
            .ReadsJson<RetrievalRequest>().Produces<InterpretResponse>();
        sandbox.MapPost("/search", SearchAsync).WithSummary("Search, window-aware")
            .ReadsJson<RetrievalRequest>().Produces<SearchResponse>();
        sandbox.MapPost("/origins", OriginsAsync).WithSummary("Where canonical items came from")
            .ReadsJson<OriginsRequest>().Produces<OriginsResponse>();
        return sandbox;
    }

    private static async Task<IResult> DiscoverAsync(HttpContext context, string sandboxId, RetrievalService retrieval, IOptions<ServerOptions> options)
    {
        var (scope, request) = await ReadAsync(context, sandboxId, options.Value, "discover");
        var response = await retrieval.DiscoverAsync(scope, request.Query, request.History, context.RequestAborted);
        return TypedResults.Json(response, ProtocolJson.Wire.DiscoverResponse);
    }

    private static async Task<IResult> InterpretAsync(HttpContext context, string sandboxId, RetrievalService retrieval, IOptions<ServerOptions> options)
    {
        var (scope, request) = await ReadAsync(context, sandboxId, options.Value, "interpret");
        var response = await retrieval.InterpretAsync(scope, request.Query, request.Items, request.History, request.MaxTokens, context.RequestAborted);
        return TypedResults.Json(response, ProtocolJson.Wire.InterpretResponse);
    }

    private static async Task<IResult> SearchAsync(HttpContext context, string sandboxId, RetrievalService retrieval, IOptions<ServerOptions> options)
    {
        var (scope, request) = await ReadAsync(context, sandboxId, options.Value, "search");
        var response = await retrieval.SearchAsync(scope, request.Query, request.History, request.Preset, request.MaxTokens, request.DetailLevel, context.RequestAborted);
        return TypedResults.Json(response, ProtocolJson.Wire.SearchResponse);
    }

    private static async Task<IResult> OriginsAsync(HttpContext context, string sandboxId, RetrievalService retrieval, IOptions<ServerOptions> options)
    {
        var request = await JsonBody.ReadAsync(context.Request, ProtocolJson.Wire.OriginsRequest, options.Value.MaxRequestBodyBytes, context.RequestAborted);
        var response = await retrieval.OriginsAsync(new RetrievalScope(sandboxId, null, null), request.CanonicalIds, request.LimitPerCanonical, context.RequestAborted);
        return TypedResults.Json(response, ProtocolJson.Wire.OriginsResponse);
    }

    private static async Task<(RetrievalScope Scope, RetrievalRequest Request)> ReadAsync(
        HttpContext context, string sandboxId, ServerOptions options, string operation)
    {
        var request = await JsonBody.ReadAsync(context.Request, ProtocolJson.Wire.RetrievalRequest, options.MaxRequestBodyBytes, context.RequestAborted);
        // §6.5: thinking presets are search's alone.
        RetrievalPresets.Validate(request.Preset, operation, thinkingAllowed: operation == "search");
        var endUser = request.EndUserId is null ? null : EndUserIds.Validate(request.EndUserId);
        return (new RetrievalScope(sandboxId, string.IsNullOrWhiteSpace(request.ProjectId) ? null : request.ProjectId, endUser), request);
    }
}
