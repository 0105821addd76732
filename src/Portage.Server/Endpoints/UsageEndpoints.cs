using System.Globalization;
using Portage.Core.Errors;
using Portage.Core.Runs;
using Portage.Core.Tenancy;
using Portage.Protocol;
using Portage.Protocol.Accounting;
using Portage.Protocol.Tenancy;

namespace Portage.Server.Endpoints;

/// <summary>
/// <c>GET /api/v1/usage</c> (copass-compat §7.6): token and cost totals of the caller's runs over whole UTC days,
/// optionally broken down by day, model, end user or provider. Portage keeps integer microcents and its own totals at
/// the top level, and repeats them in §7.6's <c>summary</c> object.
/// </summary>
internal static class UsageEndpoints
{
    private const int DefaultDays = 30;
    private const string DateFormat = "yyyy-MM-dd";

    private static readonly Dictionary<string, UsageGroupBy> s_groupings = new(StringComparer.Ordinal)
    {
        ["day"] = UsageGroupBy.Day,
        ["model"] = UsageGroupBy.Model,
        ["end_user"] = UsageGroupBy.EndUser,
        ["provider"] = UsageGroupBy.Provider,
    };

    public static RouteGroupBuilder MapUsage(this RouteGroupBuilder api)
    {
        api.MapGet("/usage", SummaryAsync).RequireScope(ApiKeyScopes.Runs).WithTags("Usage").WithSummary("Tokens and cost, grouped")
            .Produces<UsageSummary>();
        return api;
    }

    private static async Task<IResult> SummaryAsync(
        HttpContext context, TenancyService tenancy, ITenancyStore tenancyStore, IRunStore runs, TimeProvider time,
        string? sandbox_id, string? from, string? to, string? group_by, string? limit, string? cursor)
    {
        var caller = ApiKeyFilter.CallerOf(context);
        var size = Paging.Limit(limit);
        var after = Paging.AfterKey(cursor);
        UsageGroupBy? groupBy = null;
        if (group_by is not null)
        {
            groupBy = s_groupings.TryGetValue(group_by, out var g)
                ? g
                : throw PortageException.BadRequest("invalid_group_by", "group_by is one of day, model, end_user, provider (or omitted).");
        }

        var last = to is null ? DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime) : ParseDate(to, "to");
        // The default window is clipped at the first representable day (a `to` of 0001-01-01 is odd, not an error).
        var first = from is not null ? ParseDate(from, "from")
            : last.DayNumber < DefaultDays - 1 ? DateOnly.MinValue : last.AddDays(-(DefaultDays - 1));
        if (last == DateOnly.MaxValue)
        {
            throw PortageException.BadRequest("invalid_date", "to must be before 9999-12-31.");
        }

        if (first > last)
        {
            throw PortageException.BadRequest("invalid_date_range", "from must be on or before to.");
        }

        IReadOnlyList<string> sandboxes = sandbox_id is null
            ? [.. (await tenancyStore.ListSandboxesAsync(caller.AccountId, null, context.RequestAborted)).Select(s => s.Id)]
            : [(await tenancy.GetSandboxAsync(caller, sandbox_id, context.RequestAborted)).Id];
        // One extra group says whether another page exists; the totals cover every run whatever the page.
        var report = await runs.SummarizeUsageAsync(
            new UsageQuery(sandboxes, StartOf(first), StartOf(last.AddDays(1)), groupBy, after, size + 1), context.RequestAborted);
        var groups = report.Groups.Take(size).ToList();
        var next = report.Groups.Count > size ? Paging.KeyCursor(groups[^1].Key) : null;

        var t = report.Totals;
        var (fromDay, toDay) = (first.ToString(DateFormat, CultureInfo.InvariantCulture), last.ToString(DateFormat, CultureInfo.InvariantCulture));
        var summary = new UsageSummary
        {
            From = fromDay,
            To = toDay,
            SandboxId = sandbox_id,
            GroupBy = group_by,
            Runs = t.Runs,
            Groups = [.. groups.Select(ToDto)],
            NextCursor = next,
            Summary = new CopassUsageSummary
            {
                TotalPromptTokens = UsageDtos.PromptTokens(t),
                TotalCompletionTokens = UsageDtos.CompletionTokens(t),
                TotalTokens = t.TotalTokens,
                TotalCostUsd = UsageDtos.Usd(t.CostMicrocents),
                TotalCalls = t.Runs,
            },
            ByModel = [.. report.ByModel.Select(m => new CopassModelUsage { Model = m.Model!, Provider = m.Provider! }.WithCopassTotals(m.Usage))],
            // Usage is recorded per run (compaction is part of its run's), so there is one kind of call.
            ByCallType = t.Runs == 0 ? [] : [new CopassCallTypeUsage { CallType = "agent_run" }.WithCopassTotals(t)],
            StartDate = fromDay,
            EndDate = toDay,
        }.WithTotals(t);
        return TypedResults.Json(summary, ProtocolJson.Wire.UsageSummary);
    }

    private static UsageGroupInfo ToDto(UsageGroup group) => new UsageGroupInfo
    {
        Key = group.Key,
        Provider = group.Provider,
        Model = group.Model,
        Runs = group.Usage.Runs,
    }.WithTotals(group.Usage);

    private static DateOnly ParseDate(string value, string name) =>
        DateOnly.TryParseExact(value, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw PortageException.BadRequest("invalid_date", $"{name} is a UTC day as YYYY-MM-DD, e.g. 2025-03-14.");

    private static DateTimeOffset StartOf(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
}
