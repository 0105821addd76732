namespace Portage.Protocol.Accounting;

/// <summary>
/// Token and cost totals over a set of runs, as every usage answer carries them (end users, usage summaries and their
/// groups). Integers only: tokens, and cost in USD·1e-6.
/// </summary>
public abstract record TokenTotals
{
    /// <summary>Prompt tokens not served from a cache.</summary>
    public long InputTokens { get; init; }

    /// <summary>Completion tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Prompt tokens read from a cache.</summary>
    public long CacheReadInputTokens { get; init; }

    /// <summary>Prompt tokens written to a cache.</summary>
    public long CacheCreationInputTokens { get; init; }

    /// <summary>Reasoning tokens.</summary>
    public long ThinkingTokens { get; init; }

    /// <summary>All of the token counts above, added.</summary>
    public long TotalTokens { get; init; }

    /// <summary>Cost in USD·1e-6 (integer).</summary>
    public long CostMicrocents { get; init; }
}
