using Portage.Core.Limits;
using Portage.Core.Runs;
using Portage.Core.Tenancy;
using Portage.Protocol;
using Portage.Protocol.Accounting;
using Portage.Protocol.Tenancy;

namespace Portage.Server.Endpoints;

/// <summary><c>GET /api/v1/usage/balance</c> (copass-compat §7.6): the credit balance, mapped from a sandbox's budget.</summary>
internal static class BalanceEndpoints
{
    public static RouteGroupBuilder MapBalance(this RouteGroupBuilder api)
    {
        api.MapGet("/usage/balance", BalanceAsync).RequireScope(ApiKeyScopes.Runs).WithTags("Usage")
            .WithSummary("Credit balance: the sandbox budget's limit, spend and what is left (the key's default sandbox unless sandbox_id)")
            .Produces<CreditBalance>();
        return api;
    }

    private static async Task<IResult> BalanceAsync(
        HttpContext context, string? sandbox_id, TenancyService tenancy, SpendGate spend, IRunStore runs, TimeProvider time)
    {
        var ct = context.RequestAborted;
        var caller = ApiKeyFilter.CallerOf(context);
        var sandbox = sandbox_id is null ? await tenancy.GetDefaultSandboxAsync(caller, ct) : await tenancy.GetSandboxAsync(caller, sandbox_id, ct);
        var (limit, period, ledger, resetsAt, mode) = await spend.SandboxBalanceAsync(sandbox, ct);
        if (limit is { } budget)
        {
            return TypedResults.Json(new CreditBalance
            {
                CreditsPurchased = budget,
                CreditsUsed = ledger.Spent,
                CreditsRemaining = Math.Max(0, budget - ledger.Spent - ledger.Reserved),
                CreditsReserved = ledger.Reserved,
                SandboxId = sandbox.Id,
                Period = period,
                ResetsAt = resetsAt,
                GateMode = mode,
            }, ProtocolJson.Wire.CreditBalance);
        }

        // Unmetered: what the sandbox's runs cost this UTC month, with nothing purchased and nothing to run out of.
        var now = time.GetUtcNow().UtcDateTime;
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var report = await runs.SummarizeUsageAsync(new UsageQuery([sandbox.Id], monthStart, monthStart.AddMonths(1), null), ct);
        return TypedResults.Json(new CreditBalance
        {
            CreditsUsed = report.Totals.CostMicrocents,
            SandboxId = sandbox.Id,
            Period = "month",
            ResetsAt = monthStart.AddMonths(1),
            GateMode = mode,
        }, ProtocolJson.Wire.CreditBalance);
    }
}
