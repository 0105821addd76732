using Portage.Protocol.Runs;

namespace Portage.Core.Providers;

/// <summary>List prices of one model in USD per million tokens, per tier.</summary>
public sealed record ModelPrice
{
    /// <summary>Non-cached prompt tokens.</summary>
    public decimal InputPerMillion { get; init; }

    /// <summary>Completion tokens.</summary>
    public decimal OutputPerMillion { get; init; }

    /// <summary>Prompt tokens read from the cache.</summary>
    public decimal CacheReadPerMillion { get; init; }

    /// <summary>Prompt tokens written to the cache.</summary>
    public decimal CacheWritePerMillion { get; init; }

    /// <summary>Thinking tokens; when null, the output rate applies (how providers bill reasoning).</summary>
    public decimal? ThinkingPerMillion { get; init; }
}

/// <summary>
/// The price table, bound from the <c>Pricing</c> configuration section as <c>Pricing:{provider}:{model}:{tier}</c>.
/// Cost is integer USD·1e-6 per tier; a model without a price costs 0 and is flagged <c>cost_unknown</c>.
/// </summary>
public sealed class PriceTable
{
    /// <summary>Prices by provider, then model (both case-insensitive when looked up).</summary>
    public Dictionary<string, Dictionary<string, ModelPrice>> Providers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The price of a model, or null.</summary>
    public ModelPrice? Find(string provider, string model) => Find(Providers, provider, model);

    /// <summary>
    /// The entry of a model in a table of provider → model → entry, or null: the exact model id first, else one that
    /// differs only in case. The price table and the model table look models up alike.
    /// </summary>
    public static T? Find<T>(Dictionary<string, Dictionary<string, T>> providers, string provider, string model) where T : class
    {
        ArgumentNullException.ThrowIfNull(providers);
        if (!providers.TryGetValue(provider, out var models))
        {
            return null;
        }

        return models.TryGetValue(model, out var entry) ? entry
            : models.FirstOrDefault(p => string.Equals(p.Key, model, StringComparison.OrdinalIgnoreCase)).Value;
    }

    /// <summary>
    /// Adds the cost to a usage. Tokens × (USD per million) is exactly USD·1e-6, so each tier is the product, rounded
    /// half away from zero; the total is the sum of the rounded tiers, as copass-compat §3.5 requires.
    /// </summary>
    public static Usage Price(Usage usage, ModelPrice? price, bool free)
    {
        ArgumentNullException.ThrowIfNull(usage);
        if (price is null)
        {
            return usage with { CostMicrocents = 0, CostBreakdownMicrocents = new CostBreakdown(), CostUnknown = free ? null : true };
        }

        var breakdown = new CostBreakdown
        {
            Input = Tier(usage.InputTokens, price.InputPerMillion),
            Output = Tier(usage.OutputTokens, price.OutputPerMillion),
            CacheRead = Tier(usage.CacheReadInputTokens, price.CacheReadPerMillion),
            CacheCreation = Tier(usage.CacheCreationInputTokens, price.CacheWritePerMillion),
            Thinking = Tier(usage.ThinkingTokens ?? 0, price.ThinkingPerMillion ?? price.OutputPerMillion),
        };
        breakdown = breakdown with { Total = breakdown.Input + breakdown.Output + breakdown.CacheRead + breakdown.CacheCreation + breakdown.Thinking + breakdown.Compute };
        return usage with { CostMicrocents = breakdown.Total, CostBreakdownMicrocents = breakdown, CostUnknown = null };
    }

    private static long Tier(long tokens, decimal perMillion) => (long)decimal.Round(tokens * perMillion, MidpointRounding.AwayFromZero);
}
