namespace Portage.Protocol.Accounting;

/// <summary>
/// <c>GET /api/v1/usage</c>: usage of the runs started in [<see cref="From"/>, <see cref="To"/>] (UTC days, both
/// included). Totals are integers (tokens, USD·1e-6); the <see cref="Groups"/> of all pages add up to the totals. <see cref="Summary"/>
/// repeats the totals in copass-compat §7.6's shape for Copass clients.
/// </summary>
public sealed record UsageSummary : TokenTotals
{
    /// <summary>First day, <c>YYYY-MM-DD</c> (UTC).</summary>
    public required string From { get; init; }

    /// <summary>Last day, <c>YYYY-MM-DD</c> (UTC), included.</summary>
    public required string To { get; init; }

    /// <summary>The sandbox asked for, or null for every sandbox of the account.</summary>
    public string? SandboxId { get; init; }

    /// <summary><c>day</c>, <c>model</c>, <c>end_user</c> or <c>provider</c>; null when not grouped.</summary>
    public string? GroupBy { get; init; }

    /// <summary>Runs started in the range, in any status.</summary>
    public long Runs { get; init; }

    /// <summary>
    /// The breakdown asked for by <see cref="GroupBy"/>, ordered by key, a page at a time (<c>limit</c>, 100 by default);
    /// empty when not grouped. The groups of all pages add up to the totals.
    /// </summary>
    public IReadOnlyList<UsageGroupInfo> Groups { get; init; } = [];

    /// <summary>Portage: pass it back as <c>cursor</c> for the next page of groups; null on the last page.</summary>
    public string? NextCursor { get; init; }

    /// <summary>The totals in copass-compat §7.6's <c>summary</c> shape.</summary>
    public required CopassUsageSummary Summary { get; init; }

    /// <summary>§7.6: every provider and model of the range, by provider then model, whatever <see cref="GroupBy"/> (not paged).</summary>
    public IReadOnlyList<CopassModelUsage> ByModel { get; init; } = [];

    /// <summary>§7.6: the totals by kind of call; one line, <c>agent_run</c>, when the range has runs.</summary>
    public IReadOnlyList<CopassCallTypeUsage> ByCallType { get; init; } = [];

    /// <summary>§7.6's name for <see cref="From"/>.</summary>
    public string? StartDate { get; init; }

    /// <summary>§7.6's name for <see cref="To"/>.</summary>
    public string? EndDate { get; init; }
}

/// <summary>One group of a usage summary, with the same totals as the summary.</summary>
public sealed record UsageGroupInfo : TokenTotals
{
    /// <summary>The day (<c>YYYY-MM-DD</c>), <c>provider/model</c>, end user id or provider.</summary>
    public required string Key { get; init; }

    /// <summary>The provider, when grouped by model or provider.</summary>
    public string? Provider { get; init; }

    /// <summary>The model, when grouped by model.</summary>
    public string? Model { get; init; }

    /// <summary>Runs.</summary>
    public long Runs { get; init; }
}

/// <summary>copass-compat §7.6's <c>summary</c>: prompt tokens include cache reads and writes; cost in USD.</summary>
public sealed record CopassUsageSummary
{
    /// <summary>Input, cache-read and cache-creation tokens.</summary>
    public long TotalPromptTokens { get; init; }

    /// <summary>Output and thinking tokens.</summary>
    public long TotalCompletionTokens { get; init; }

    /// <summary>Prompt plus completion tokens.</summary>
    public long TotalTokens { get; init; }

    /// <summary>Cost in USD (microcents / 1e6).</summary>
    public decimal TotalCostUsd { get; init; }

    /// <summary>Runs.</summary>
    public long TotalCalls { get; init; }
}
