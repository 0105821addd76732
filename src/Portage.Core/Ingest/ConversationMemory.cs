using Microsoft.Extensions.Logging;
using Portage.Core.Tenancy;
using Portage.Core.Windows;

namespace Portage.Core.Ingest;

/// <summary>
/// Makes each run's turns retrievable memory of its end user only (issue 4, scope 8): the user's messages and the
/// assistant's text become one indexing job of <c>conversation</c> content owned by the run's end user. The job and
/// its chunks are stored, completed, in the run's own end transaction (see <c>RunEnd.Memory</c>): a recorded run is
/// searchable memory the moment its answer is, and indexing it costs no write of its own. A run whose turns could not
/// be chunked leaves the job queued for the ingest worker (<see cref="Queued"/> wakes one).
/// </summary>
public sealed partial class ConversationMemory(IngestService ingest, IngestSignal signal, Chunker chunker, TimeProvider time, ILogger<ConversationMemory> logger)
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

    /// <summary>The chunks of <paramref name="job"/>, or null when chunking failed (the worker retries it then).</summary>
    public JobChunks? ChunksOf(IngestJobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        try
        {
            return JobChunks.Of(chunker, job, time.GetUtcNow());
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            LogChunkingDeferred(logger, ex, job.Id);
            return null;
        }
    }

    /// <summary>Wakes an ingest worker for a job that was just committed queued.</summary>
    public void Queued() => signal.Notify();

    [LoggerMessage(LogLevel.Warning, "Chunking conversation memory job {JobId} with its run failed; the ingest worker will retry it")]
    private static partial void LogChunkingDeferred(ILogger logger, Exception exception, string jobId);
}
