namespace Portage.Protocol.Accounting;

/// <summary>An end user of a sandbox with their windows, runs and usage (a Portage extension for the console).</summary>
public sealed record EndUserInfo
{
    /// <summary>The end user id the caller chose.</summary>
    public required string EndUserId { get; init; }

    /// <summary>Windows (ephemeral data sources) of the end user, in any status.</summary>
    public long WindowCount { get; init; }

    /// <summary>Runs of the end user, in any status.</summary>
    public long RunCount { get; init; }

    /// <summary>The latest activity of their windows or runs (UTC).</summary>
    public DateTimeOffset? LastActiveAt { get; init; }

    /// <summary>Prompt tokens not served from a cache, over all runs.</summary>
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

/// <summary>The end users of a sandbox, most recently active first.</summary>
public sealed record EndUserList(IReadOnlyList<EndUserInfo> EndUsers, int Count);
