using Microsoft.Extensions.Logging;
using Portage.Core.Ingest;
using Portage.Core.Runs;
using Portage.Core.Telemetry;
using Portage.Core.Windows;

namespace Portage.Core.Recording;

/// <summary>
/// Makes each run's turns retrievable memory of its end user only (issue 4, scope 8): the user's messages and the
/// assistant's text are queued for indexing as <c>conversation</c> content owned by the run's end user. Best effort:
/// the turns are already safe in the window, so an indexing failure is logged, never a failed run.
/// </summary>
public sealed partial class ConversationMemory(IngestService ingest, ContentLogging content, ILogger<ConversationMemory> logger)
{
    /// <summary>Queues the run's user messages and the assistant's answer for indexing.</summary>
    public async Task RememberAsync(PreparedRun run, NewTurn assistant)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(assistant);
        var window = run.Window with { EndUserId = run.EndUserId };
        var answer = string.Concat(assistant.Parts.Where(p => p.Type == TurnPartType.Text).Select(p => p.Text)).Trim();
        try
        {
            foreach (var message in run.UserMessages)
            {
                await ingest.IndexTurnAsync(window, "User", message, null, CancellationToken.None);
            }

            if (answer.Length > 0)
            {
                await ingest.IndexTurnAsync(window, assistant.Speaker, answer, null, CancellationToken.None);
            }
        }
        catch (Exception ex)
        {
            LogRememberFailed(logger, content.Redact(ex), run.RunId);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Queuing the turns of run {RunId} as conversation memory failed")]
    private static partial void LogRememberFailed(ILogger logger, Exception exception, string runId);
}
