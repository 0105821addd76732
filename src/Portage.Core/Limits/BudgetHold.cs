namespace Portage.Core.Limits;

/// <summary>
/// A run's hold on its budgets, from its reservation to its settlement. Settled once: by the run's commit with its real
/// cost, or released (cost 0) when the run ends without one.
/// </summary>
public sealed class BudgetHold
{
    private int _settled;

    internal BudgetHold(string runId, long amount, IReadOnlyList<BudgetLine> lines)
    {
        RunId = runId;
        Amount = amount;
        Lines = lines;
    }

    /// <summary>The run.</summary>
    public string RunId { get; }

    /// <summary>The estimated maximum held, USD microcents.</summary>
    public long Amount { get; }

    /// <summary>The budgets the run counts against.</summary>
    public IReadOnlyList<BudgetLine> Lines { get; }

    /// <summary>Whether it was settled or released.</summary>
    public bool Settled => Volatile.Read(ref _settled) == 1;

    // True for the one caller that gets to settle.
    internal bool TrySettle() => Interlocked.Exchange(ref _settled, 1) == 0;
}
