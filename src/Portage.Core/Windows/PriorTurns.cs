namespace Portage.Core.Windows;

/// <summary>
/// Reads the turns a run may render: rule 4's gap for a continued session, rule 6's window for a new one. They are read
/// newest first a page at a time until they exceed the provider's budget and start at an exchange: the renderer keeps
/// whole exchanges from the newest back, so older turns could not be sent anyway. A window of 100,000 turns then costs
/// a run a page or two, not the whole window.
/// </summary>
public static class PriorTurns
{
    private const int Page = 256;

    /// <summary>The window's turns after <paramref name="afterSeq"/>, oldest first, as far back as the budget reaches.</summary>
    public static async Task<IReadOnlyList<TurnRecord>> ReadAsync(
        IWindowStore windows, string sandboxId, string windowId, long afterSeq, int budgetTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var turns = new List<TurnRecord>();
        long tokens = 0;
        var before = long.MaxValue;
        while (true)
        {
            var older = await windows.ListTurnsBeforeAsync(sandboxId, windowId, before, afterSeq, Page, cancellationToken);
            turns.InsertRange(0, older);
            tokens += older.Sum(t => (long)t.TokenEstimate);
            if (older.Count < Page || (tokens > budgetTokens && turns[0].Role == TurnRole.User))
            {
                return turns;
            }

            before = older[0].Seq;
        }
    }
}
