using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portage.Core.Ingest;
using Portage.Core.Limits;
using Portage.Core.Providers;
using Portage.Core.Recording;
using Portage.Core.Sessions;
using Portage.Core.Telemetry;
using Portage.Core.Windows;
using Portage.Protocol;
using Portage.Protocol.Runs;

namespace Portage.Core.Runs;

/// <summary>What the end of a run stored: the assistant turn and the priced usage (which <c>agent_finish</c> repeats),
/// or the failure when the database would not take it even after retrying.</summary>
public sealed record CommittedRun(NewTurn Assistant, Usage Usage, Exception? Failure)
{
    /// <summary>What is left of the run's tightest spending budget after its settlement, or null when none applies.</summary>
    public long? BudgetRemaining { get; init; }
}

/// <summary>
/// Rule 7's second half: the assistant turn, the session's transcript, the run's outcome and the release of the window
/// lease in one transaction, before the terminal frame, on every path (finished, failed, cancelled, timed out). The
/// client has seen the whole answer by then, so a database that refuses for a moment (locked, overloaded, a failover)
/// is retried for <c>Runs:CommitRetrySeconds</c>; the transaction cannot store the end twice.
/// </summary>
public sealed partial class RunCommit(
    IRunStore runs,
    ConversationMemory memory,
    TranscriptCache transcripts,
    SpendGate spend,
    RateGate rates,
    TimeProvider time,
    IOptions<RunOptions> options,
    IOptions<PriceTable> prices,
    ContentLogging content,
    ILogger<RunCommit> logger)
{
    private static readonly TimeSpan s_firstPause = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_maxPause = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Stores the end of <paramref name="run"/> and ends its trace, recording its metrics under <paramref name="metricTags"/>.
    /// <paramref name="alsoSpent"/> (a summary written for the run) is part of the run's usage.
    /// </summary>
    public async Task<CommittedRun> CommitAsync(
        PreparedRun run, Conversation conversation, TurnRecorder recorder, string status, Exception? failure, KeyValuePair<string, object?>[] metricTags,
        Usage? alsoSpent = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(recorder);
        var request = run.Request;
        var now = time.GetUtcNow();
        var usage = PriceTable.Price(recorder.BuildUsage(conversation.Sent), prices.Value.Find(request.Provider.Name, request.Model), request.Provider.Free);
        usage = alsoSpent is null ? usage : UsageTiers.Add(usage, alsoSpent);
        var stopReason = status is RunStatus.Succeeded or RunStatus.Timeout ? recorder.StopReason() : null;

        // A continued session's transcript grows by what the run added, when the run replayed it unchanged; otherwise
        // (a compaction, a trimmed history) it is written whole. A long conversation's transcript is tens of kilobytes.
        var kept = request.CallerHistory is null && run.Session.Continues ? conversation.StoredPrefix : 0;
        var write = kept > 0 ? TranscriptWrite.Append : run.Session.Continues ? TranscriptWrite.Replace : TranscriptWrite.First;
        var messages = conversation.History.Skip(kept).Concat(recorder.ResponseMessages());
        var end = new RunEnd(
            run.Scope,
            request.Model,
            recorder.BuildTurn($"{request.Provider.Name}/{request.Model}", request.Provider.Name, request.Model, run.Scope.RunId, status, now),
            recorder.ConversationId ?? run.Session.Session.ProviderSessionId,
            write == TranscriptWrite.Append ? TranscriptJson.SerializeAppended(messages) : TranscriptJson.Serialize(messages),
            status,
            stopReason,
            JsonSerializer.Serialize(usage, ProtocolJson.Default.Usage),
            failure?.Message,
            now);
        var job = memory.JobFor(run.Scope, run.Window, request.UserMessages, end.AssistantTurn);
        end = end with { Memory = job, MemoryChunks = memory.ChunksOf(job), Transcript = write };

        // Ended by hand on both paths: the commit span must close before the run span.
        var commit = PortageTelemetry.Source.StartActivity("commit_turn");
        commit?.SetTag("portage.run.id", run.Scope.RunId);
        commit?.SetTag("portage.run.status", status);
        var (refused, seq) = await StoreWithRetriesAsync(end);

        // The real cost settles the budget whatever became of the commit: the provider was paid either way.
        var remaining = await spend.SettleAsync(run.Spend, usage.CostMicrocents);
        await rates.CountTokensAsync(run.Rates, usage);
        if (refused is not null)
        {
            PortageTelemetry.Fail(commit, refused);
            commit?.Dispose();
            run.Trace.End(RunStatus.Failed, completed: false, null, usage, refused, metricTags);
            LogRecordFailed(logger, content.Redact(refused), run.Scope.RunId);
            return new CommittedRun(end.AssistantTurn, usage, refused) { BudgetRemaining = remaining };
        }

        // The store's lease went with the commit; a memory job left queued needs a worker.
        run.Lease.EndedWithCommit();
        KeepTranscript(run, conversation, end, kept, seq);
        if (end.MemoryChunks is null)
        {
            memory.Queued();
        }
        commit?.Dispose();
        run.Trace.End(status, completed: status is not (RunStatus.Failed or RunStatus.Cancelled), stopReason, usage, failure, metricTags);
        return new CommittedRun(end.AssistantTurn, usage, null) { BudgetRemaining = remaining };
    }

    // The next turn of the conversation on this replica replays what was just stored without reading it back. The
    // stored prefix is kept as the very messages this run replayed; what the run added is parsed from what it stored.
    // A session's first run is not kept: most never continue (a new end user per request), and a second turn reads it.
    private void KeepTranscript(PreparedRun run, Conversation conversation, RunEnd end, int kept, long seq)
    {
        if (end.Transcript == TranscriptWrite.First || run.Request.CallerHistory is not null || run.Request.Provider.ServerSideSessions)
        {
            return;
        }

        var version = new TranscriptVersion(run.Scope.SessionId, seq);
        if (end.Transcript != TranscriptWrite.Append)
        {
            transcripts.KeepWritten(run.Scope.WindowId, version, end.TranscriptJson);
            return;
        }

        var stored = run.Session.Session;
        var before = run.Session.Kept?.Chars ?? stored.TranscriptJson.Length + (stored.AppendedJson?.Length ?? 0);
        List<ChatMessage> messages = [.. conversation.History.Take(kept)];
        if (end.TranscriptJson.Length > 0)
        {
            messages.AddRange(TranscriptJson.Deserialize($"[{end.TranscriptJson}]"));
        }

        transcripts.KeepParsed(run.Scope.WindowId, version, messages, before + end.TranscriptJson.Length + 1);
    }

    private async Task<(Exception? Refused, long Seq)> StoreWithRetriesAsync(RunEnd end)
    {
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(Math.Max(0, options.Value.CommitRetrySeconds));
        var pause = s_firstPause;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // CancellationToken.None: the client may be gone, and the turn is owed all the same.
                return (null, await runs.EndRunAsync(end, CancellationToken.None));
            }
            catch (Exception ex) when (ex is not RunAlreadyEndedException && time.GetUtcNow() + pause < deadline)
            {
                LogCommitRetry(logger, content.Redact(ex), end.Scope.RunId, attempt);
                await Task.Delay(pause, time, CancellationToken.None);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, s_maxPause.Ticks));
            }
            catch (Exception ex)
            {
                return (ex, 0);
            }
        }
    }

    [LoggerMessage(LogLevel.Error, "Recording the end of run {RunId} failed after retrying; the client gets agent_error storage_error")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string runId);

    [LoggerMessage(LogLevel.Warning, "Recording the end of run {RunId} failed (attempt {Attempt}); retrying")]
    private static partial void LogCommitRetry(ILogger logger, Exception exception, string runId, int attempt);
}
