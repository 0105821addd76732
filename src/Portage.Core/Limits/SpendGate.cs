using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Portage.Core.Tenancy;
using Portage.Core.Telemetry;
using Portage.Protocol;
using Portage.Protocol.Tenancy;

namespace Portage.Core.Limits;

/// <summary>
/// The credit gate (copass-compat §6.6, §9.5): before a run, reserve its estimated maximum cost on the sandbox's
/// budget and its end user's; after it, settle the real cost and release the rest. <c>gate_mode</c> <c>enforce</c>
/// refuses a run that would pass a budget (402 <c>budget_exceeded</c>); <c>shadow</c> lets it go and records it.
/// </summary>
public sealed partial class SpendGate(ISpendStore store, SandboxCache cache, IIdGenerator ids, TimeProvider time, ILogger<SpendGate> logger)
{
    private static readonly Counter<long> s_denials = PortageTelemetry.Meter.CreateCounter<long>(
        "portage.budget.denials", "{run}", "Runs a spending budget refused (gate_mode enforce) or would have refused (shadow).");

    /// <summary>
    /// Reserves <paramref name="estimate"/> for a run of <paramref name="endUserId"/> (whose own limits are
    /// <paramref name="own"/>) on the budgets that apply; null when
    /// none does (no budget, or <c>gate_mode: off</c>). Throws <see cref="BudgetExceededException"/> in enforce mode.
    /// </summary>
    public async Task<BudgetHold?> ReserveAsync(
        SandboxRecord sandbox, string endUserId, EndUserLimits? own, string runId, long estimate, TimeSpan holdFor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var limits = SandboxLimitsPatch.Of(sandbox);
        var mode = GateMode(limits, own);
        var now = time.GetUtcNow();
        var lines = Lines(limits, own, endUserId, now);
        if (mode == "off" || lines.Count == 0)
        {
            return null;
        }

        var enforce = mode == "enforce";
        var outcome = await store.ReserveAsync(new SpendReservation(runId, sandbox.Id, endUserId, estimate, now + holdFor, lines, enforce), now, cancellationToken);
        for (var i = 0; i < lines.Count; i++)
        {
            var (line, before) = (lines[i], outcome.Before[i]);
            if (before.Spent + before.Reserved + estimate > line.Limit)
            {
                await DenyAsync(sandbox.Id, endUserId, runId, line, before, estimate, mode, now, cancellationToken);
                if (enforce)
                {
                    throw new BudgetExceededException(Detail(line, before, estimate, now));
                }
            }
        }

        return outcome.Made ? new BudgetHold(runId, estimate, lines)
            : throw new BudgetExceededException(Detail(lines[0], outcome.Before[0], estimate, now));
    }

    /// <summary>
    /// Settles a run's hold with its real <paramref name="cost"/>; what is left of its tightest budget, or null without a
    /// hold. Never throws: a settlement the store refuses leaves the reservation to expire.
    /// </summary>
    public async Task<long?> SettleAsync(BudgetHold? hold, long cost)
    {
        if (hold is null || !hold.TrySettle())
        {
            return null;
        }

        try
        {
            // CancellationToken.None: the client may be gone, and the spend is owed all the same.
            var rows = await store.SettleAsync(hold.RunId, cost, CancellationToken.None);
            return hold.Lines.Select(l => rows.FirstOrDefault(r => r.EndUserKey == l.EndUserKey && r.Period == l.Period) is { } row
                    ? Math.Max(0, l.Limit - row.Spent - row.Reserved)
                    : l.Limit)
                .DefaultIfEmpty().Min();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogSettleFailed(logger, ex, hold.RunId, cost);
            return null;
        }
    }

    /// <summary>Releases a hold whose run ends without a settlement (it failed before its commit).</summary>
    public Task ReleaseAsync(BudgetHold? hold) => SettleAsync(hold, 0);

    /// <summary>The gate mode that applies: the sandbox's, else <c>enforce</c> when a budget is set, else <c>off</c>.</summary>
    public static string GateMode(SandboxLimits limits, EndUserLimits? own)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return limits.GateMode ?? (limits.BudgetMicrocents is not null || limits.EndUserBudgetMicrocents is not null || own?.BudgetMicrocents is not null ? "enforce" : "off");
    }

    /// <summary>The budgets a call of <paramref name="endUserId"/> (empty: none) counts against at <paramref name="now"/>.</summary>
    public static IReadOnlyList<BudgetLine> Lines(SandboxLimits limits, EndUserLimits? own, string endUserId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(endUserId);
        var lines = new List<BudgetLine>(2);
        var period = limits.BudgetPeriod ?? BudgetPeriods.Default;
        if (limits.BudgetMicrocents is { } sandboxLimit)
        {
            lines.Add(new BudgetLine("sandbox", "", BudgetPeriods.Key(period, now), period, sandboxLimit));
        }

        if (endUserId.Length > 0 && (own?.BudgetMicrocents ?? limits.EndUserBudgetMicrocents) is { } userLimit)
        {
            var userPeriod = own?.BudgetPeriod ?? period;
            lines.Add(new BudgetLine("end_user", endUserId, BudgetPeriods.Key(userPeriod, now), userPeriod, userLimit));
        }

        return lines;
    }

    /// <summary>
    /// The sandbox budget's state now: its limit (null without one), period, spend, what runs hold and when it resets.
    /// </summary>
    public async Task<(long? Limit, string Period, LedgerRow Ledger, DateTimeOffset? ResetsAt, string GateMode)> SandboxBalanceAsync(
        SandboxRecord sandbox, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var limits = SandboxLimitsPatch.Of(sandbox);
        var period = limits.BudgetPeriod ?? BudgetPeriods.Default;
        var now = time.GetUtcNow();
        var ledger = await store.ReadLedgerAsync(sandbox.Id, "", BudgetPeriods.Key(period, now), cancellationToken);
        return (limits.BudgetMicrocents, period, ledger, BudgetPeriods.ResetsAt(period, now), GateMode(limits, null));
    }

    /// <summary>An end user's own limits, or null.</summary>
    public async Task<EndUserLimits?> EndUserLimitsAsync(string sandboxId, string endUserId, CancellationToken cancellationToken) =>
        await cache.EndUserLimitsAsync(sandboxId, endUserId, time.GetUtcNow(),
            () => store.HasEndUserLimitsAsync(sandboxId, cancellationToken),
            () => store.GetEndUserLimitsAsync(sandboxId, endUserId, cancellationToken)) is { } json
            ? JsonSerializer.Deserialize(json, ProtocolJson.Default.EndUserLimits)
            : null;

    /// <summary>Sets an end user's own limits (all of them: a null field falls back to the sandbox's).</summary>
    public async Task<EndUserLimits> SetEndUserLimitsAsync(string sandboxId, string endUserId, EndUserLimits limits, CancellationToken cancellationToken)
    {
        SandboxLimitsPatch.Check(limits);
        var json = limits == new EndUserLimits() ? null : JsonSerializer.Serialize(limits, ProtocolJson.Default.EndUserLimits);
        await store.SetEndUserLimitsAsync(sandboxId, EndUserIds.Validate(endUserId), json, time.GetUtcNow(), cancellationToken);
        await cache.ChangedAsync(sandboxId);
        return limits;
    }

    private async Task DenyAsync(
        string sandboxId, string endUserId, string runId, BudgetLine line, LedgerRow before, long estimate, string mode, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var denied = mode == "enforce";
        s_denials.Add(1, new KeyValuePair<string, object?>("portage.budget", line.Budget), new KeyValuePair<string, object?>("portage.gate_mode", mode));
        LogDenial(logger, denied ? "refused" : "would have refused (shadow)", runId, line.Budget, endUserId, estimate, before.Spent, before.Reserved, line.Limit);
        await store.RecordDenialAsync(new BudgetDenialRecord(ids.NewId("bd"), sandboxId, endUserId, runId, now, line.Budget, mode, denied,
            estimate, before.Spent, before.Reserved, line.Limit, line.PeriodName), cancellationToken);
    }

    private static string Detail(BudgetLine line, LedgerRow before, long estimate, DateTimeOffset now)
    {
        var whose = line.Budget == "sandbox" ? "The sandbox's budget" : $"End user '{line.EndUserKey}''s budget";
        var per = line.PeriodName == "total" ? "in total" : $"per {line.PeriodName} (UTC)";
        var remaining = Math.Max(0, line.Limit - before.Spent - before.Reserved);
        var resets = BudgetPeriods.ResetsAt(line.PeriodName, now) is { } at
            ? $"It resets at {at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}."
            : "A total budget does not reset: raise it with PATCH …/sandboxes/{id} (limits) or PUT …/end-users/{end_user_id}/limits.";
        return string.Create(CultureInfo.InvariantCulture,
            $"{whose} of {line.Limit} microcents {per} would be passed: {before.Spent} spent, {before.Reserved} held by runs in progress, {remaining} remaining; " +
            $"this run may cost up to {estimate} (its input estimate and its answer's room, max_tokens, at the model's price). {resets}");
    }

    [LoggerMessage(LogLevel.Warning, "Budget gate {Outcome} run {RunId}: {Budget} budget of end user '{EndUserId}', needs {Needed}, spent {Spent}, held {Reserved}, limit {Limit} (microcents)")]
    private static partial void LogDenial(ILogger logger, string outcome, string runId, string budget, string endUserId, long needed, long spent, long reserved, long limit);

    [LoggerMessage(LogLevel.Error, "Settling run {RunId}'s budget (cost {Cost} microcents) failed; its reservation is released when it expires")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, string runId, long cost);
}
