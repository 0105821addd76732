using Portage.Core.Tenancy;
using Portage.Core.Windows;

namespace Portage.Core.Ingest;

/// <summary>
/// Makes each run's turns retrievable memory of its end user only (issue 4, scope 8): the user's messages and the
/// assistant's text become one indexing job of <c>conversation</c> content owned by the run's end user. The job is
/// stored in the run's own end transaction (see <c>RunEnd.Memory</c>), so a recorded run always has its memory queued
/// and it costs the run no write of its own; <see cref="Queued"/> wakes a worker once it is committed.
/// </summary>
public sealed class ConversationMemory(IngestService ingest, IngestSignal signal)
{
    /// <summary>The job that indexes the run's user messages and the assistant's answer.</summary>
    public IngestJobRecord JobFor(RunScope run, WindowRecord runWindow, IReadOnlyList<string> userMessages, NewTurn assistant)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(runWindow);
        ArgumentNullException.ThrowIfNull(userMessages);
        ArgumentNullException.ThrowIfNull(assistant);
        var answer = string.Concat(assistant.Parts.Where(p => p.Type == TurnPartType.Text).Select(p => p.Text)).Trim();
        List<IngestTurn> turns = [.. userMessages.Select(message => new IngestTurn("User", message))];
        if (answer.Length > 0)
        {
            turns.Add(new IngestTurn(assistant.Speaker, answer));
        }

        return ingest.TurnsJob(runWindow with { EndUserId = run.EndUserId }, turns, null);
    }

    /// <summary>Wakes an ingest worker for a job that was just committed.</summary>
    public void Queued() => signal.Notify();
}
