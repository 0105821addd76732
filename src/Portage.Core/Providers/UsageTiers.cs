using Microsoft.Extensions.AI;
using Portage.Protocol.Runs;

namespace Portage.Core.Providers;

/// <summary>Usage as the wire and the price table count it: one tier per kind of token, each token in exactly one.</summary>
public static class UsageTiers
{
    /// <summary>
    /// A provider's reported usage in tiers. MEAI counts cache reads and writes inside <c>InputTokenCount</c> and
    /// reasoning inside <c>OutputTokenCount</c>; the subsets are taken out so no token is billed twice.
    /// </summary>
    public static Usage From(UsageDetails details)
    {
        ArgumentNullException.ThrowIfNull(details);
        var cached = details.CachedInputTokenCount ?? 0;
        var creation = details.AdditionalCounts?.GetValueOrDefault("CacheCreationInputTokens") ?? 0;
        var reasoning = details.ReasoningTokenCount ?? 0;
        return new Usage
        {
            InputTokens = Math.Max(0, (details.InputTokenCount ?? 0) - cached - creation),
            OutputTokens = Math.Max(0, (details.OutputTokenCount ?? 0) - reasoning),
            CacheReadInputTokens = cached,
            CacheCreationInputTokens = creation,
            ThinkingTokens = details.ReasoningTokenCount is null ? null : reasoning,
        };
    }

    /// <summary>Two priced usages as one: tokens and cost per tier added; the cost is unknown when either's is.</summary>
    public static Usage Add(Usage first, Usage second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var (a, b) = (first.CostBreakdownMicrocents, second.CostBreakdownMicrocents);
        return new Usage
        {
            InputTokens = first.InputTokens + second.InputTokens,
            OutputTokens = first.OutputTokens + second.OutputTokens,
            CacheReadInputTokens = first.CacheReadInputTokens + second.CacheReadInputTokens,
            CacheCreationInputTokens = first.CacheCreationInputTokens + second.CacheCreationInputTokens,
            ThinkingTokens = first.ThinkingTokens is null && second.ThinkingTokens is null ? null : (first.ThinkingTokens ?? 0) + (second.ThinkingTokens ?? 0),
            CostMicrocents = first.CostMicrocents + second.CostMicrocents,
            CostBreakdownMicrocents = new CostBreakdown
            {
                Input = a.Input + b.Input,
                Output = a.Output + b.Output,
                CacheRead = a.CacheRead + b.CacheRead,
                CacheCreation = a.CacheCreation + b.CacheCreation,
                Thinking = a.Thinking + b.Thinking,
                Compute = a.Compute + b.Compute,
                Total = a.Total + b.Total,
            },
            CostUnknown = first.CostUnknown == true || second.CostUnknown == true ? true : null,
        };
    }
}
