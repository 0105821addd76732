using Microsoft.Extensions.Options;
using Portage.Core.Limits;
using Portage.Core.Tenancy;
using Portage.Protocol;
using Portage.Protocol.Accounting;
using Portage.Protocol.Tenancy;
using Portage.Server.OpenApi;

namespace Portage.Server.Endpoints;

/// <summary>
/// Spending and rate limits of a sandbox's end users (Portage extension; the sandbox's own are its <c>limits</c>, set with
/// PATCH), and the runs the budgets refused or, in shadow mode, would have refused.
/// </summary>
internal static class LimitsEndpoints
{
    public static RouteGroupBuilder MapLimits(this RouteGroupBuilder sandbox)
    {
        sandbox.MapGet("/end-users/{endUserId}/limits", GetAsync).RequireScope(ApiKeyScopes.Runs).WithTags("Limits")
            .WithSummary("An end user's own limits").Produces<EndUserLimits>();
        sandbox.MapPut("/end-users/{endUserId}/limits", PutAsync).RequireScope(ApiKeyScopes.Admin).WithTags("Limits")
            .WithSummary("Set an end user's own limits (null fields fall back to the sandbox's end_user_… limits)")
            .ReadsJson<EndUserLimits>().Produces<EndUserLimits>();
        sandbox.MapGet("/budget-denials", DenialsAsync).RequireScope(ApiKeyScopes.Runs).WithTags("Limits")
            .WithSummary("Runs a budget refused or (shadow) would have refused").Produces<BudgetDenialList>();
        return sandbox;
    }

    private static async Task<IResult> GetAsync(HttpContext context, string sandboxId, string endUserId, SpendGate spend) =>
        TypedResults.Json(await spend.EndUserLimitsAsync(sandboxId, EndUserIds.Validate(endUserId), context.RequestAborted) ?? new EndUserLimits(),
            ProtocolJson.Wire.EndUserLimits);

    private static async Task<IResult> PutAsync(HttpContext context, string sandboxId, string endUserId, SpendGate spend, IOptions<ServerOptions> options)
    {
        var limits = await JsonBody.ReadAsync(context.Request, ProtocolJson.Wire.EndUserLimits, options.Value.MaxRequestBodyBytes, context.RequestAborted);
        return TypedResults.Json(await spend.SetEndUserLimitsAsync(sandboxId, endUserId, limits, context.RequestAborted), ProtocolJson.Wire.EndUserLimits);
    }

    private static async Task<IResult> DenialsAsync(
        HttpContext context, string sandboxId, string? end_user_id, string? limit, string? cursor, ISpendStore store)
    {
        var size = Paging.Limit(limit);
        var found = await store.ListDenialsAsync(sandboxId, end_user_id, Paging.After(cursor), size + 1, context.RequestAborted);
        var page = found.Take(size).ToList();
        var next = found.Count > size ? Paging.Cursor(page[^1].At, page[^1].Id) : null;
        var denials = page.Select(d => new BudgetDenial
        {
            RunId = d.RunId,
            EndUserId = d.EndUserId,
            Budget = d.Budget,
            GateMode = d.GateMode,
            Denied = d.Denied,
            NeededMicrocents = d.NeededMicrocents,
            SpentMicrocents = d.SpentMicrocents,
            ReservedMicrocents = d.ReservedMicrocents,
            LimitMicrocents = d.LimitMicrocents,
            Period = d.Period,
            At = d.At,
        }).ToList();
        return TypedResults.Json(new BudgetDenialList(denials, denials.Count, next), ProtocolJson.Wire.BudgetDenialList);
    }
}
