namespace Portage.Core.Windows;

/// <summary>
/// Compaction turns as the conversation sees them: the summary goes to the model as a user message that names the
/// turns it stands for, so the model knows it is reading a summary and where the verbatim part begins.
/// </summary>
public static class CompactionTurns
{
    /// <summary>The text a model reads for a summary of turns <paramref name="fromSeq"/> to <paramref name="toSeq"/>.</summary>
    public static string Message(long fromSeq, long toSeq, string summary) =>
        $"[Earlier conversation, summarised (window turns {fromSeq}–{toSeq}); the turns after it follow verbatim]\n{summary}";

    /// <summary>The message text of a stored compaction turn.</summary>
    public static string Message(TurnRecord turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        return turn.Compacts is { } range ? Message(range.FromSeq, range.ToSeq, turn.Text) : turn.Text;
    }
}
