namespace Portage.Protocol.Accounting;

/// <summary>
/// The totals of one line of copass-compat §7.6's <c>by_model</c> and <c>by_call_type</c>: prompt tokens include cache
/// reads and writes, completion tokens include thinking, cost in USD; <see cref="CostMicrocents"/> is Portage's exact
/// integer beside it.
/// </summary>
public abstract record CopassUsageTotals
{
    /// <summary>Input, cache-read and cache-creation tokens.</summary>
    public long PromptTokens { get; init; }

    /// <summary>Output and thinking tokens.</summary>
    public long CompletionTokens { get; init; }

    /// <summary>Prompt plus completion tokens.</summary>
    public long TotalTokens { get; init; }

    /// <summary>Cost in USD (microcents / 1e6).</summary>
    public decimal CostUsd { get; init; }

    /// <summary>Runs.</summary>
    public long Calls { get; init; }

    /// <summary>Portage: the cost in USD·1e-6 (integer), of which <see cref="CostUsd"/> is the display form.</summary>
    public long CostMicrocents { get; init; }
}

/// <summary>One line of <c>by_model</c>: the runs of one provider and model.</summary>
public sealed record CopassModelUsage : CopassUsageTotals
{
    /// <summary>Model id.</summary>
    public required string Model { get; init; }

    /// <summary>Provider name.</summary>
    public required string Provider { get; init; }
}

/// <summary>
/// One line of <c>by_call_type</c>. Portage records usage for one kind of call, the agent run (<c>agent_run</c>: runs and
/// recorded Chat Completions, with their compaction).
/// </summary>
public sealed record CopassCallTypeUsage : CopassUsageTotals
{
    /// <summary>The kind of call: <c>agent_run</c>.</summary>
    public required string CallType { get; init; }
}
