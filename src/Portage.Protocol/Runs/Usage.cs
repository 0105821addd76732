using System.Text.Json.Serialization;

namespace Portage.Protocol.Runs;

/// <summary>Token usage and cost of one run, as carried by <c>agent_finish</c>.</summary>
public sealed record Usage
{
    /// <summary>Prompt tokens not served from a cache.</summary>
    public long InputTokens { get; init; }

    /// <summary>Completion tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Prompt tokens read from the provider's cache.</summary>
    public long CacheReadInputTokens { get; init; }

    /// <summary>Prompt tokens written to the provider's cache.</summary>
    public long CacheCreationInputTokens { get; init; }

    /// <summary>Reasoning tokens, when the provider reports them.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ThinkingTokens { get; init; }

    /// <summary>Total cost in USD·1e-6 (integer); equals <see cref="CostBreakdown.Total"/>.</summary>
    public long CostMicrocents { get; init; }

    /// <summary>The cost per tier.</summary>
    [JsonPropertyName("cost_breakdown_microcents")]
    public CostBreakdown CostBreakdownMicrocents { get; init; } = new();

    /// <summary>True when the model has no price in the table, so the cost is reported as 0.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? CostUnknown { get; init; }
}

/// <summary>Cost per tier in USD·1e-6; <see cref="Total"/> is the sum of the tiers.</summary>
public sealed record CostBreakdown
{
    /// <summary>Non-cached prompt tokens × input rate.</summary>
    public long Input { get; init; }

    /// <summary>Completion tokens × output rate.</summary>
    public long Output { get; init; }

    /// <summary>Cache reads.</summary>
    public long CacheRead { get; init; }

    /// <summary>Cache writes.</summary>
    public long CacheCreation { get; init; }

    /// <summary>Thinking tokens.</summary>
    public long Thinking { get; init; }

    /// <summary>Compute time.</summary>
    public long Compute { get; init; }

    /// <summary>Sum of the tiers above.</summary>
    public long Total { get; init; }
}
