using Portage.Core.Windows;

namespace Portage.Core.Compaction;

/// <summary>A summary written for a window and what it stands for, before its turn is appended.</summary>
/// <param name="Summary">The summary and its writer.</param>
/// <param name="FromSeq">The first window turn it stands for (the previous summary's first, when it folded one in).</param>
/// <param name="ToSeq">The last window turn it stands for.</param>
/// <param name="Kept">The window turns after <paramref name="ToSeq"/> that stay verbatim, oldest first (the run's own left out).</param>
/// <param name="KeptExchanges">How many exchanges <paramref name="Kept"/> holds.</param>
/// <param name="SummarisedRuns">The runs whose turns the summary replaced entirely: their deliveries are evicted.</param>
/// <param name="ReplacedTokens">Estimated tokens of what the summary replaces (the previous summary and the summarised turns).</param>
public sealed record CompactionPlan(
    WrittenSummary Summary, long FromSeq, long ToSeq, IReadOnlyList<TurnRecord> Kept, int KeptExchanges, IReadOnlyCollection<string> SummarisedRuns,
    int ReplacedTokens)
{
    /// <summary>Estimated tokens of the kept turns.</summary>
    public int KeptTokens => Kept.Sum(t => t.TokenEstimate);

    /// <summary>The summary as the model reads it.</summary>
    public string Message => CompactionTurns.Message(FromSeq, ToSeq, Summary.Text);
}
