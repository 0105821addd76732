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

    /// <summary>copass-compat §7.6's split: prompt tokens include cache reads and writes, completion tokens thinking.</summary>
    public static T WithCopassTotals<T>(this T dto, UsageTotals totals) where T : CopassUsageTotals =>
        (T)((CopassUsageTotals)dto with
        {
            PromptTokens = PromptTokens(totals),
            CompletionTokens = CompletionTokens(totals),
            TotalTokens = totals.TotalTokens,
            CostUsd = Usd(totals.CostMicrocents),
            Calls = totals.Runs,
            CostMicrocents = totals.CostMicrocents,
        });

    public static long PromptTokens(UsageTotals totals) => totals.InputTokens + totals.CacheReadInputTokens + totals.CacheCreationInputTokens;

    public static long CompletionTokens(UsageTotals totals) => totals.OutputTokens + totals.ThinkingTokens;

    public static decimal Usd(long microcents) => microcents / 1_000_000m;
}
