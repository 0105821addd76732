using Microsoft.Extensions.Options;
using Portage.Core.Providers;
using Portage.Core.Recording;
using Portage.Core.Retrieval;
using Portage.Core.Windows;

namespace Portage.Core.Compaction;

/// <summary>
/// Replaces the oldest part of a window's conversation by a summary: plans it (reads the turns since the last
/// summary, keeps the newest exchanges, has the rest summarised with the previous summary folded in), then commits it
/// as a compaction turn and evicts the deliveries of the runs it summarised away, so retrieval may deliver those again.
/// Original turns are never deleted. The caller holds the window's lease.
/// </summary>
public sealed class Compactor(IWindowStore windows, IContentIndex index, Summariser summariser, IOptions<CompactionOptions> options, TimeProvider time)
{
    /// <summary>The settings.</summary>
    public CompactionOptions Settings => options.Value;

    /// <summary>True when messages of <paramref name="messageTokens"/> pass the threshold share of <paramref name="messageBudget"/>.</summary>
    public bool Wanted(int messageTokens, int messageBudget) => Settings.Enabled && messageTokens > Settings.Threshold * messageBudget;

    /// <summary>
    /// Plans a compaction of the window: keeps the newest exchanges (at most <paramref name="keepExchanges"/>, and at
    /// most <paramref name="keptBudgetTokens"/> of them) and summarises the rest. Null when nothing precedes them.
    /// </summary>
    /// <param name="sandboxId">The sandbox.</param>
    /// <param name="windowId">The window.</param>
    /// <param name="runId">The compacting run, whose own turns are left out; null for a forced compaction.</param>
    /// <param name="provider">The run's provider (the summariser unless <c>Compaction:Provider</c> names another).</param>
    /// <param name="model">The run's model.</param>
    /// <param name="keepExchanges">Exchanges to keep verbatim at most.</param>
    /// <param name="keptBudgetTokens">Tokens the kept exchanges may take at most.</param>
    /// <param name="cancellationToken">Cancels the reads and the summariser call.</param>
    /// <exception cref="ProviderException">The summariser failed.</exception>
    public async Task<CompactionPlan?> PlanAsync(
        string sandboxId, string windowId, string? runId, ProviderDefinition provider, string model, int keepExchanges, int keptBudgetTokens,
        CancellationToken cancellationToken)
    {
        var (turns, previous) = await ReadUncompactedAsync(sandboxId, windowId, runId, cancellationToken);
        var exchanges = WindowRenderer.Exchanges(turns);
        var keep = 0;
        var keptTokens = 0L;
        while (keep < Math.Min(keepExchanges, exchanges.Count)
            && keptTokens + exchanges[^(keep + 1)].Sum(t => (long)t.TokenEstimate) <= keptBudgetTokens)
        {
            keptTokens += exchanges[^(keep + 1)].Sum(t => (long)t.TokenEstimate);
            keep++;
        }

        var summarised = exchanges.Take(exchanges.Count - keep).SelectMany(e => e).ToList();
        if (summarised.Count == 0)
        {
            return null;
        }

        var kept = exchanges.Skip(exchanges.Count - keep).SelectMany(e => e).ToList();
        var summary = await summariser.SummariseAsync(provider, model, previous?.Text, summarised, cancellationToken);
        var keptRuns = kept.Select(t => t.RunId).ToHashSet(StringComparer.Ordinal);
        var runs = summarised.Select(t => t.RunId).OfType<string>().Where(r => !keptRuns.Contains(r) && r != runId).ToHashSet(StringComparer.Ordinal);
        return new CompactionPlan(summary, previous?.Compacts?.FromSeq ?? summarised[0].Seq, summarised[^1].Seq, kept, keep, runs,
            (previous?.TokenEstimate ?? 0) + summarised.Sum(t => t.TokenEstimate));
    }

    /// <summary>Appends the plan's compaction turn and evicts the summarised runs' deliveries; returns the turn's seq, or null when the window is gone.</summary>
    public async Task<long?> CommitAsync(
        string sandboxId, string windowId, string? runId, CompactionPlan plan, int tokensBefore, int tokensAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var now = time.GetUtcNow();
        var range = new CompactedRange(plan.FromSeq, plan.ToSeq, tokensBefore, tokensAfter);
        var turn = new NewTurn(TurnRole.Compaction, "Summary", plan.Summary.Provider, plan.Summary.Model, runId, RunStatus.Succeeded, now,
            TokenEstimator.Estimate(plan.Message), [new TurnPart(TurnPartType.Compaction, Text: plan.Summary.Text, Compacts: range)]);
        var seq = await windows.AppendTurnAsync(sandboxId, windowId, turn, cancellationToken);
        if (seq is not null)
        {
            await index.EvictDeliveriesAsync(sandboxId, windowId, plan.SummarisedRuns, now, cancellationToken);
        }

        return seq;
    }

    // The turns after the newest summary (and that summary), read back as far as MaxSourceTokens reaches (from an
    // exchange's start: a window that grew long before its first summary is summarised from its latest part).
    private async Task<(List<TurnRecord> Turns, TurnRecord? Previous)> ReadUncompactedAsync(
        string sandboxId, string windowId, string? runId, CancellationToken cancellationToken)
    {
        var read = await PriorTurns.ReadAsync(windows, sandboxId, windowId, 0, Settings.MaxSourceTokens, cancellationToken);
        var previous = read.Count > 0 && read[0].Role == TurnRole.Compaction ? read[0] : null;
        return ([.. read.Skip(previous is null ? 0 : 1).Where(t => runId is null || t.RunId != runId)], previous);
    }
}
