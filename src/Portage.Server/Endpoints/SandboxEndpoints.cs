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
        sandbox.MapPatch("", UpdateAsync).RequireScope(ApiKeyScopes.Admin).WithTags("Sandboxes").WithSummary("Change a sandbox's name, metadata or limits")
            .ReadsJson<UpdateSandboxRequest>().Produces<Sandbox>().ProducesPortageErrors(StatusCodes.Status409Conflict);
        sandbox.MapPost("/suspend", (HttpContext c, SandboxService s) => StatusAsync(c, s, SandboxStatus.Suspended))
            .RequireScope(ApiKeyScopes.Admin).WithTags("Sandboxes").WithSummary("Suspend a sandbox (runs and ingest refused)").Produces<StatusResponse>();
        sandbox.MapPost("/reactivate", (HttpContext c, SandboxService s) => StatusAsync(c, s, SandboxStatus.Active))
            .RequireScope(ApiKeyScopes.Admin).WithTags("Sandboxes").WithSummary("Reactivate a suspended or archived sandbox").Produces<StatusResponse>();
        sandbox.MapPost("/archive", (HttpContext c, SandboxService s) => StatusAsync(c, s, SandboxStatus.Archived))
            .RequireScope(ApiKeyScopes.Admin).WithTags("Sandboxes").WithSummary("Archive a sandbox (runs and ingest refused)").Produces<StatusResponse>();
        sandbox.MapDelete("", DestroyAsync).RequireScope(ApiKeyScopes.Admin).WithTags("Sandboxes")
            .WithSummary("Destroy a sandbox and everything in it (?force=true for the key's default sandbox)")
            .Produces<StatusResponse>().ProducesPortageErrors(StatusCodes.Status409Conflict);
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

    private static async Task<IResult> UpdateAsync(HttpContext context, SandboxService sandboxes, IOptions<ServerOptions> options)
    {
        var request = await JsonBody.ReadAsync(context.Request, ProtocolJson.Wire.UpdateSandboxRequest, options.Value.MaxRequestBodyBytes, context.RequestAborted);
        var updated = await sandboxes.UpdateAsync(SandboxFilter.SandboxOf(context), request, context.RequestAborted);
        return TypedResults.Json(ToDto(updated), ProtocolJson.Wire.Sandbox);
    }

    private static async Task<IResult> StatusAsync(HttpContext context, SandboxService sandboxes, string status)
    {
        var message = await sandboxes.SetStatusAsync(SandboxFilter.SandboxOf(context), status, context.RequestAborted);
        return TypedResults.Json(new StatusResponse(true, message), ProtocolJson.Wire.StatusResponse);
    }

    private static async Task<IResult> DestroyAsync(HttpContext context, SandboxService sandboxes, string? force)
    {
        var forced = force switch
        {
            null or "false" => false,
            "true" => true,
            _ => throw Core.Errors.PortageException.BadRequest("invalid_force", "force is true or false (or omitted)."),
        };
        var sandbox = SandboxFilter.SandboxOf(context);
        await sandboxes.DestroyAsync(ApiKeyFilter.CallerOf(context), sandbox, forced, context.RequestAborted);
        return TypedResults.Json(new StatusResponse(true, $"Sandbox {sandbox.Id} and everything in it are deleted."), ProtocolJson.Wire.StatusResponse);
    }

    private static Sandbox ToDto(SandboxRecord s) => new()
    {
        SandboxId = s.Id,
        UserId = s.AccountId,
        OwnerId = s.OwnerId,
        Name = s.Name,
        Tier = s.Tier,
        Status = s.Status,
        Limits = SandboxLimitsPatch.Of(s),
        Metadata = s.MetadataJson is null ? null : JsonDocument.Parse(s.MetadataJson).RootElement.Clone(),
        CreatedAt = s.CreatedAt,
    };
}
