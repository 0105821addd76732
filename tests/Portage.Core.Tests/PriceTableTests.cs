using Portage.Core.Providers;
using Portage.Protocol.Runs;

namespace Portage.Core.Tests;

public sealed class PriceTableTests
{
    private static readonly ModelPrice s_sonnet = new() { InputPerMillion = 3, OutputPerMillion = 15, CacheReadPerMillion = 0.3m, CacheWritePerMillion = 3.75m };

    [Fact]
    public void Each_tier_is_tokens_times_the_rate_per_million_in_microcents_and_total_is_their_sum()
    {
        var usage = new Usage { InputTokens = 1_000, OutputTokens = 200, CacheReadInputTokens = 5_000, CacheCreationInputTokens = 100, ThinkingTokens = 50 };
        var priced = PriceTable.Price(usage, s_sonnet, free: false);

        var b = priced.CostBreakdownMicrocents;
        Assert.Equal((3_000L, 3_000L, 1_500L, 375L, 750L, 0L), (b.Input, b.Output, b.CacheRead, b.CacheCreation, b.Thinking, b.Compute));
        Assert.Equal(b.Input + b.Output + b.CacheRead + b.CacheCreation + b.Thinking + b.Compute, b.Total);
        Assert.Equal(b.Total, priced.CostMicrocents);
        Assert.Null(priced.CostUnknown);
    }

    [Fact]
    public void Fractional_microcents_round_per_tier_half_away_from_zero()
    {
        var priced = PriceTable.Price(new Usage { InputTokens = 5, CacheReadInputTokens = 5 }, new ModelPrice { InputPerMillion = 0.15m, CacheReadPerMillion = 0.075m }, free: false);
        Assert.Equal((1L, 0L, 1L), (priced.CostBreakdownMicrocents.Input, priced.CostBreakdownMicrocents.CacheRead, priced.CostMicrocents));
    }

    [Fact]
    public void Model_without_a_price_costs_zero_and_says_cost_unknown_unless_the_provider_is_free()
    {
        var usage = new Usage { InputTokens = 10, OutputTokens = 10 };
        var unknown = PriceTable.Price(usage, null, free: false);
        Assert.Equal((0L, true), (unknown.CostMicrocents, unknown.CostUnknown));
        Assert.Null(PriceTable.Price(usage, null, free: true).CostUnknown);
    }

    [Fact]
    public void Lookup_ignores_the_case_of_provider_and_model()
    {
        var table = new PriceTable();
        table.Providers["anthropic"] = new() { ["claude-sonnet-4-6"] = s_sonnet };
        Assert.Same(s_sonnet, table.Find("Anthropic", "Claude-Sonnet-4-6"));
        Assert.Null(table.Find("anthropic", "claude-unknown"));
        Assert.Null(table.Find("openai", "claude-sonnet-4-6"));
    }
}
