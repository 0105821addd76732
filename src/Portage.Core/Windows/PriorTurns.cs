namespace Portage.Core.Windows;

/// <summary>
/// Reads the turns a run may render: rule 4's gap for a continued session, rule 6's window for a new one. They are read
/// newest first a page at a time until they exceed the budget and start at an exchange (the renderer keeps whole
/// exchanges from the newest back, so older turns could not be sent anyway), or until the newest compaction turn: its
/// summary stands for every turn up to its range's end, so those are not read and the summary comes first. A window
/// of 100,000 turns then costs a run a page or two, not the whole window. Pages start small and double: the newest
/// compaction turn or the budget's end is usually a few exchanges back, and a full page of turns (parts JSON and all)
/// read for a few of them cost a compacting run more than its summary's bookkeeping.
/// </summary>
public static class PriorTurns
{
    private const int FirstPage = 16;
    private const int LastPage = 256;

    /// <summary>
    /// The window's turns after <paramref name="afterSeq"/>, oldest first, as far back as the budget reaches; when a
    /// compaction turn is met, it first, then the turns after the range it replaced (older compaction turns left out).
    /// </summary>
    public static async Task<IReadOnlyList<TurnRecord>> ReadAsync(
        IWindowStore windows, string sandboxId, string windowId, long afterSeq, int budgetTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var turns = new List<TurnRecord>();
        TurnRecord? summary = null;
        var floor = afterSeq;
        long tokens = 0;
        var before = long.MaxValue;
        for (var page = FirstPage; ; page = Math.Min(page * 2, LastPage))
        {
            var older = await windows.ListTurnsBeforeAsync(sandboxId, windowId, before, floor, page, cancellationToken);
            if (summary is null && older.LastOrDefault(t => t.Compacts is not null) is { Compacts: { } range } found)
            {
                summary = found;
                floor = Math.Max(floor, range.ToSeq);
            }

            var kept = older.Where(t => t.Seq > floor && t.Role != TurnRole.Compaction).ToList();
            turns.InsertRange(0, kept);
            tokens += kept.Sum(t => (long)t.TokenEstimate);
            if (older.Count < page || older[0].Seq <= floor + 1 || (tokens > budgetTokens && turns.Count > 0 && turns[0].Role == TurnRole.User))
            {
                return summary is null ? turns : [summary, .. turns];
            }

            before = older[0].Seq;
        }
    }
}
