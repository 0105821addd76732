using Portage.Core.Runs;
using Portage.Protocol.Accounting;

namespace Portage.Server.Endpoints;

/// <summary>Copies the store's usage totals onto a wire record (end users, usage summaries and their groups).</summary>
internal static class UsageDtos
{
    public static T WithTotals<T>(this T dto, UsageTotals totals) where T : TokenTotals =>
        (T)((TokenTotals)dto with
        {
            InputTokens = totals.InputTokens,
            OutputTokens = totals.OutputTokens,
            CacheReadInputTokens = totals.CacheReadInputTokens,
            CacheCreationInputTokens = totals.CacheCreationInputTokens,
            ThinkingTokens = totals.ThinkingTokens,
            TotalTokens = totals.TotalTokens,
            CostMicrocents = totals.CostMicrocents,
        });
}
