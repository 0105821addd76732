using Microsoft.Extensions.Logging;
using Portage.Core.Telemetry;
using Portage.Core.Tenancy;
using Portage.Core.Windows;

namespace Portage.Core.Ingest;

/// <summary>
/// Makes each run's turns retrievable memory of its end user only (issue 4, scope 8): the user's messages and the
/// assistant's text are queued as one indexing job of <c>conversation</c> content owned by the run's end user. The
/// turns are already safe in the window, so queueing never fails the run: it is retried a few times with backoff, and
/// a job that still cannot be queued is logged as an error, never dropped silently.
/// </summary>
public sealed partial class ConversationMemory(IngestService ingest, ContentLogging content, TimeProvider time, ILogger<ConversationMemory> logger)
{
    private const int QueueRetries = 3;
    private static readonly TimeSpan s_firstBackoff = TimeSpan.FromMilliseconds(200);

    /// <summary>Queues the run's user messages and the assistant's answer for indexing.</summary>
    public async Task RememberAsync(RunScope run, WindowRecord runWindow, IReadOnlyList<string> userMessages, NewTurn assistant)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(runWindow);
        ArgumentNullException.ThrowIfNull(userMessages);
        ArgumentNullException.ThrowIfNull(assistant);
        var window = runWindow with { EndUserId = run.EndUserId };
        var answer = string.Concat(assistant.Parts.Where(p => p.Type == TurnPartType.Text).Select(p => p.Text)).Trim();
        List<IngestTurn> turns = [.. userMessages.Select(message => new IngestTurn("User", message))];
        if (answer.Length > 0)
        {
            turns.Add(new IngestTurn(assistant.Speaker, answer));
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // CancellationToken.None: the client may be gone, and the memory is owed all the same.
                await ingest.IndexTurnsAsync(window, turns, null, CancellationToken.None);
                return;
            }
            catch (Exception ex) when (attempt < QueueRetries)
            {
                var backoff = s_firstBackoff * Math.Pow(2, attempt);
                LogRetrying(logger, content.Redact(ex), run.RunId, attempt + 1, backoff.TotalMilliseconds);
                await Task.Delay(backoff, time);
            }
            catch (Exception ex)
            {
                LogRememberFailed(logger, content.Redact(ex), run.RunId, attempt + 1);
                return;
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Queuing the turns of run {RunId} as conversation memory failed (attempt {Attempt}); retrying in {DelayMilliseconds} ms")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string runId, int attempt, double delayMilliseconds);

    [LoggerMessage(LogLevel.Error, "Queuing the turns of run {RunId} as conversation memory failed {Attempts} times: they stay in the window but are not searchable as memory")]
    private static partial void LogRememberFailed(ILogger logger, Exception exception, string runId, int attempts);
}
