using Portage.Core.Providers;

namespace Portage.Core.Limits;

/// <summary>
/// The most a run may cost before it runs: its estimated input (4 characters a token, as everywhere) at the dearer of
/// the model's input and cache-write prices, plus the answer's room (<c>max_tokens</c>, else the model's output limit)
/// at the dearer of its output and thinking prices. An unpriced model costs 0.
/// </summary>
public static class SpendEstimate
{
    /// <summary>The estimate in USD microcents (rounded up).</summary>
    public static long Microcents(ModelPrice? price, long inputTokens, long outputTokens)
    {
        if (price is null)
        {
            return 0;
        }

        var input = inputTokens * Math.Max(price.InputPerMillion, price.CacheWritePerMillion);
        var output = outputTokens * Math.Max(price.OutputPerMillion, price.ThinkingPerMillion ?? price.OutputPerMillion);
        return (long)decimal.Ceiling(input + output);
    }
}
