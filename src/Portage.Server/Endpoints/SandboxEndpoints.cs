using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Portage.Core.Tenancy;
using Portage.Protocol;
using Portage.Protocol.Tenancy;
using Portage.Server.OpenApi;

namespace Portage.Server.Endpoints;

/// <summary>Sandboxes of the caller's account (copass-compat §7.1).</summary>
internal static class SandboxEndpoints
{
    public static RouteGroupBuilder MapSandboxes(this RouteGroupBuilder api, RouteGroupBuilder sandbox)
    {
        api.MapPost("/storage/sandboxes", CreateAsync).RequireScope(ApiKeyScopes.Admin).WithTags("Sandboxes").WithSummary("Create a sandbox")
            .ReadsJson<CreateSandboxRequest>().Produces<Sandbox>(StatusCodes.Status201Created);
        api.MapGet("/storage/sandboxes", ListAsync).RequireScope(ApiKeyScopes.Runs).WithTags("Sandboxes").WithSummary("The key's sandboxes")
            .Produces<SandboxList>();
        sandbox.MapGet("", Get).RequireScope(ApiKeyScopes.Runs).WithTags("Sandboxes").WithSummary("One sandbox").Produces<Sandbox>();
        return api;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, TenancyService tenancy, IOptions<ServerOptions> options)
    {
        var request = await JsonBody.ReadAsync(context.Request, ProtocolJson.Wire.CreateSandboxRequest, options.Value.MaxRequestBodyBytes, context.RequestAborted);
        var sandbox = await tenancy.CreateSandboxAsync(ApiKeyFilter.CallerOf(context), request, context.RequestAborted);
        return TypedResults.Json(ToDto(sandbox), ProtocolJson.Wire.Sandbox, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(HttpContext context, ITenancyStore store, string? status)
    {
        var sandboxes = await store.ListSandboxesAsync(ApiKeyFilter.CallerOf(context).AccountId, status, context.RequestAborted);
        return TypedResults.Json(new SandboxList([.. sandboxes.Select(ToDto)], sandboxes.Count), ProtocolJson.Wire.SandboxList);
    }

    private static JsonHttpResult<Sandbox> Get(HttpContext context) =>
        TypedResults.Json(ToDto(SandboxFilter.SandboxOf(context)), ProtocolJson.Wire.Sandbox);

    private static Sandbox ToDto(SandboxRecord s) => new()
    {
        SandboxId = s.Id,
        UserId = s.AccountId,
        OwnerId = s.OwnerId,
        Name = s.Name,
        Tier = s.Tier,
        Status = s.Status,
        Limits = new Dictionary<string, long>(),
        Metadata = s.MetadataJson is null ? null : JsonDocument.Parse(s.MetadataJson).RootElement.Clone(),
        CreatedAt = s.CreatedAt,
    };
}
