namespace Portage.Core.Runs;

/// <summary>Which runs of a sandbox to list; null fields do not filter.</summary>
public sealed record RunFilter(string? WindowId = null, string? Status = null, string? EndUserId = null);

/// <summary>
/// A position in the newest-first order of runs: the last run of the previous page. Runs are ordered by start time,
/// then id, both descending, so a page after the cursor never repeats or skips a run, even when runs share a start time.
/// </summary>
public sealed record RunCursor(DateTimeOffset StartedAt, string RunId);

/// <summary>Token and cost sums over a set of runs. Runs without usage (still running, or failed early) add zeros.</summary>
public sealed record UsageTotals(
    long Runs,
    long InputTokens,
    long OutputTokens,
    long CacheReadInputTokens,
    long CacheCreationInputTokens,
    long ThinkingTokens,
    long CostMicrocents)
{
    /// <summary>No runs.</summary>
    public static UsageTotals Zero { get; } = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>All tokens of the runs: input, output, cache reads and writes, thinking.</summary>
    public long TotalTokens => InputTokens + OutputTokens + CacheReadInputTokens + CacheCreationInputTokens + ThinkingTokens;
}

/// <summary>An end user of a sandbox, as seen through its windows and runs.</summary>
public sealed record EndUserSummary(string EndUserId, long WindowCount, DateTimeOffset? LastActiveAt, UsageTotals Usage);

/// <summary>How a usage report is broken down.</summary>
public enum UsageGroupBy
{
    /// <summary>By UTC day of the run's start (<c>YYYY-MM-DD</c>).</summary>
    Day,

    /// <summary>By provider and model.</summary>
    Model,

    /// <summary>By end user.</summary>
    EndUser,

    /// <summary>By provider.</summary>
    Provider,
}

/// <summary>
/// Usage of runs started in [<paramref name="From"/>, <paramref name="To"/>) in the given sandboxes. Groups come in key
/// order, at most <paramref name="GroupLimit"/>, after the key <paramref name="GroupsAfter"/> (the last group of the
/// previous page) when given; the totals always cover every run of the query.
/// </summary>
public sealed record UsageQuery(
    IReadOnlyList<string> SandboxIds, DateTimeOffset From, DateTimeOffset To, UsageGroupBy? GroupBy, string? GroupsAfter = null, int GroupLimit = int.MaxValue);

/// <summary>
/// One group of a usage report. <see cref="Provider"/> is set when grouping by model or provider, <see cref="Model"/> when
/// grouping by model.
/// </summary>
public sealed record UsageGroup(string Key, string? Provider, string? Model, UsageTotals Usage);

/// <summary>
/// A usage report: the totals; when grouped, groups whose sums equal the totals; and always every (provider, model) of
/// the range in key order (<see cref="ByModel"/>, not paged: a range has few models), whose sums equal the totals too.
/// </summary>
public sealed record UsageReport(UsageTotals Totals, IReadOnlyList<UsageGroup> Groups, IReadOnlyList<UsageGroup> ByModel);
