using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portage.Core.Errors;
using Portage.Core.Providers;
using Portage.Core.Recording;
using Portage.Core.Retrieval;
using Portage.Core.Telemetry;
using Portage.Core.Tools;
using Portage.Core.Windows;
using Portage.Protocol;
using Portage.Protocol.Runs;

namespace Portage.Core.Runs;

/// <summary>
/// The part of a run after the first byte: builds the provider's messages (rules 4 and 6), streams the provider's
/// updates out as wire events, and records the assistant turn, the session transcript and the run's outcome in one
/// transaction before the terminal frame (rule 7), also when the client goes away (rule 11) or the provider fails.
/// </summary>
public sealed partial class RunExecutor(
    IRunStore runs,
    IWindowStore windows,
    TimeProvider time,
    IOptions<RunOptions> options,
    IOptions<PriceTable> prices,
    ToolInvoker tools,
    DiscoverPrefetch prefetcher,
    ConversationMemory memory,
    ContentLogging content,
    ILogger<RunExecutor> logger)
{
    /// <summary>Streams the run's events: <c>run_started</c>, deltas and tool frames, then one terminal frame.</summary>
    public async IAsyncEnumerable<AgentEvent> StreamAsync(PreparedRun run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        yield return new RunStarted(run.RunId, run.Session.Id, run.Window.Id);

        var settings = options.Value;
        using var leaseKeeper = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewal = RenewLeaseAsync(run, leaseKeeper.Token);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(settings.TimeLimitSeconds), time);
        using var runScope = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var token = runScope.Token;

        // The run span is made current for the engine's own children (retrieval, tools); after each yield the iterator
        // resumes with its consumer's Activity.Current, so it is set again before each such step.
        var span = run.Trace?.Activity;
        SetCurrent(span);

        // A new session starts from what the sandbox knows about the question (copass-compat §6.8).
        var prefetch = run.ContinuesSession || run.Provider.ServerSideSessions ? null
            : await prefetcher.BlockAsync(new RetrievalScope(run.Window.SandboxId, null, run.EndUserId, run.Window.Id, run.RunId), run.UserMessages[^1], cancellationToken);
        List<ChatMessage> history, sent;
        using (var building = PortageTelemetry.Source.StartActivity("build_messages"))
        {
            (history, sent) = BuildMessages(run, prefetch);
            building?.SetTag("portage.messages", sent.Count);
        }

        var toolContext = new ToolRunContext(run.Window.SandboxId, run.EndUserId, run.Window.Id, run.RunId);
        var chatOptions = new ChatOptions
        {
            ModelId = run.Model,
            MaxOutputTokens = run.MaxTokens,
            ConversationId = run.Provider.ServerSideSessions ? run.Session.ProviderSessionId : null,
            // A server-side agent (Agent Engine) brings and runs its own tools.
            Tools = run.Provider.ServerSideSessions ? null : await tools.OfferedAsync(toolContext, cancellationToken),
            AdditionalProperties = new AdditionalPropertiesDictionary
            {
                [RunContextKeys.EndUserId] = run.EndUserId,
                [RunContextKeys.ReasoningEngineId] = run.ReasoningEngineId,
                [RunContextKeys.Location] = run.Location,
            },
        };
        // Each provider call of the run is retried before its first token and traced as one `chat` span per attempt.
        var client = new ChatClientBuilder(run.Provider.Client)
            .UseProviderRetry(settings, time, logger, content.Redact, run.RunId)
            .UseProviderTelemetry(run.Trace, run.Provider.Name, run.Model, run.RunId, Tags(run), time)
            .Build();
        var recorder = new TurnRecorder();
        Exception? failure = null;
        var status = RunStatus.Running;
        var cycles = 0;

        IAsyncEnumerator<ChatResponseUpdate>? updates = null;
        Usage? usage = null;
        Exception? commitFailure = null;
        try
        {
            while (status == RunStatus.Running)
            {
                // One provider response per pass; a response that asks for tools is followed by the results and another.
                // yield cannot sit inside try/catch, so the provider is stepped by hand and its failure kept for later.
                // Starting the call is inside the try too: a client may fail before returning its stream.
                bool moved;
                try
                {
                    updates ??= client.GetStreamingResponseAsync([.. sent, .. recorder.ResponseMessages()], chatOptions, token).GetAsyncEnumerator(token);
                    moved = await updates.MoveNextAsync();
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    status = Stopped(cancellationToken);
                    break;
                }
                catch (Exception ex)
                {
                    failure = ex;
                    status = RunStatus.Failed;
                    break;
                }

                if (moved)
                {
                    foreach (var agentEvent in recorder.Observe(updates.Current))
                    {
                        yield return agentEvent;
                    }

                    continue;
                }

                await updates.DisposeAsync();
                updates = null;
                var calls = recorder.EndCycle();
                if (calls.Count == 0)
                {
                    status = RunStatus.Succeeded;
                }
                else if (cycles >= settings.MaxToolCycles)
                {
                    recorder.ForcedStopReason = "max_cycles";
                    status = RunStatus.Succeeded;
                }
                else
                {
                    cycles++;
                    SetCurrent(span);
                    var results = await InvokeToolsAsync(calls, toolContext, token);
                    if (results is null)
                    {
                        status = Stopped(cancellationToken);
                        break;
                    }

                    foreach (var agentEvent in recorder.ObserveResults(results))
                    {
                        yield return agentEvent;
                    }
                }
            }

            // A limit ends the run with calls the model made but the router did not run: each still gets its result.
            if (status == RunStatus.Timeout || recorder.ForcedStopReason is not null)
            {
                recorder.ForcedStopReason ??= "timeout";
                foreach (var agentEvent in recorder.CloseUnansweredCalls(NotExecuted(recorder.ForcedStopReason, settings)))
                {
                    yield return agentEvent;
                }
            }
        }
        finally
        {
            // Runs when the stream ends and also when the consumer stops early (client disconnect): either way the
            // turn is recorded. CancellationToken.None: the request's token is already cancelled in that case.
            if (status == RunStatus.Running)
            {
                status = RunStatus.Cancelled;
            }

            if (updates is not null)
            {
                await updates.DisposeAsync();
            }

            SetCurrent(span);

            await leaseKeeper.CancelAsync();
            await renewal;
            (var assistant, usage, commitFailure) = await RecordEndAsync(run, history, recorder, sent, status, failure);
            // The store's lease went with the commit: the next run in this process's line may go.
            run.Slot?.Dispose();
            if (commitFailure is null)
            {
                await memory.RememberAsync(run, assistant);
            }
        }

        if (commitFailure is not null)
        {
            // Rule 7: agent_finish promises that the turn is stored. It is not, so the client is told instead.
            if (status != RunStatus.Cancelled)
            {
                yield return commitFailure is RunAlreadyEndedException ended
                    ? new AgentError(ended.Message, ended.ErrorType) { RunId = run.RunId }
                    : new AgentError(
                        "The answer could not be saved: the database did not accept the run's final write. The answer above is not in the window; send the message again.",
                        "storage_error")
                    {
                        RunId = run.RunId,
                    };
            }
        }
        else if (status is RunStatus.Succeeded or RunStatus.Timeout)
        {
            // A provider with server-side sessions (Agent Engine) names the session itself; its id is the wire's
            // session_id, and Portage's own id for it keeps working too (sessions are found by either).
            var sessionId = run.Provider.ServerSideSessions ? recorder.ConversationId ?? run.Session.ProviderSessionId ?? run.Session.Id : run.Session.Id;
            yield return new AgentFinish(recorder.StopReason(), sessionId, usage)
            {
                RunId = run.RunId,
                ContextWindowId = run.Window.Id,
                Provider = run.Provider.Name,
                Model = run.Model,
            };
        }
        else if (status == RunStatus.Failed)
        {
            yield return new AgentError(failure?.Message ?? "The provider failed.", failure is PortageException p ? p.ErrorType : "provider_error")
            {
                RunId = run.RunId,
            };
        }
    }

    // The client going away wins over the time limit: nobody is left to tell about the timeout.
    private static string Stopped(CancellationToken clientToken) => clientToken.IsCancellationRequested ? RunStatus.Cancelled : RunStatus.Timeout;

    private static string NotExecuted(string stopReason, RunOptions settings) => stopReason == "max_cycles"
        ? $"Not executed: the run reached its limit of {settings.MaxToolCycles} tool cycles (Runs:MaxToolCycles)."
        : $"Not executed: the run reached its time limit of {settings.TimeLimitSeconds} s (Runs:TimeLimitSeconds).";

    private async Task<List<FunctionResultContent>?> InvokeToolsAsync(List<FunctionCallContent> calls, ToolRunContext context, CancellationToken token)
    {
        try
        {
            return await tools.InvokeAsync(calls, context, token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return null;
        }
    }

    // Rule 4: a continued session replays its stored native transcript, then catches up on window turns written by
    // other sessions since its last turn. A new session gets the window rendered as neutral text (rule 6).
    private static (List<ChatMessage> History, List<ChatMessage> Sent) BuildMessages(PreparedRun run, string? prefetch)
    {
        var history = new List<ChatMessage>();
        if (run.ContinuesSession)
        {
            if (!run.Provider.ServerSideSessions)
            {
                history.AddRange(TranscriptJson.Deserialize(run.Session.TranscriptJson));
            }

            var gap = run.PriorTurns.Where(t => t.Seq > run.Session.LastWindowSeq);
            history.AddRange(WindowRenderer.Render(gap, run.Provider.ContextBudgetTokens));
        }
        else
        {
            history.AddRange(WindowRenderer.Render(run.PriorTurns, run.Provider.ContextBudgetTokens));
        }

        if (prefetch is not null)
        {
            history.Add(new ChatMessage(ChatRole.User, prefetch));
        }

        history.AddRange(run.UserMessages.Select(text => new ChatMessage(ChatRole.User, text)));

        // A run that failed or was cut off before answering leaves two user messages in a row; providers that require
        // alternation (Gemini) refuse that, so adjacent plain-text messages of one role are joined.
        history = WindowRenderer.MergeAdjacent(history);
        var sent = new List<ChatMessage>(history.Count + 1);
        if (!string.IsNullOrEmpty(run.SystemPrompt))
        {
            sent.Add(new ChatMessage(ChatRole.System, run.SystemPrompt));
        }

        // A provider with server-side sessions gets no transcript replayed (it keeps its own), so history here is only
        // what it has not seen: the window rendered for a new session, or the turns of other providers since its last.
        sent.AddRange(history);
        return (history, sent);
    }

    // Returns what was recorded: the assistant turn and the priced usage, which agent_finish repeats; and the failure,
    // when the run's end could not be stored even after retrying.
    private async Task<(NewTurn Assistant, Usage Usage, Exception? Failure)> RecordEndAsync(
        PreparedRun run, List<ChatMessage> history, TurnRecorder recorder, List<ChatMessage> sent, string status, Exception? failure)
    {
        var now = time.GetUtcNow();
        var transcript = history.Concat(recorder.ResponseMessages()).ToList();
        var usage = PriceOf(run, recorder.BuildUsage(sent));
        var stopReason = status is RunStatus.Succeeded or RunStatus.Timeout ? recorder.StopReason() : null;
        var end = new RunEnd(
            run.Window.SandboxId,
            run.RunId,
            run.Window.Id,
            run.Session.Id,
            run.Model,
            recorder.BuildTurn(SpeakerOf(run), run.Provider.Name, run.Model, run.RunId, status, now),
            recorder.ConversationId ?? run.Session.ProviderSessionId,
            TranscriptJson.Serialize(transcript),
            status,
            stopReason,
            JsonSerializer.Serialize(usage, ProtocolJson.Default.Usage),
            failure?.Message,
            now);
        // Ended by hand on both paths: the commit span must close before the run span.
        var commit = PortageTelemetry.Source.StartActivity("commit_turn");
        commit?.SetTag("portage.run.id", run.RunId);
        commit?.SetTag("portage.run.status", status);
        var committed = await CommitWithRetriesAsync(end);
        if (committed is not null)
        {
            PortageTelemetry.Fail(commit, committed);
            commit?.Dispose();
            EndTrace(run, RunStatus.Failed, null, usage, committed);
            LogRecordFailed(logger, content.Redact(committed), run.RunId);
            await ReleaseLeaseQuietlyAsync(run);
            return (end.AssistantTurn, usage, committed);
        }

        commit?.Dispose();
        EndTrace(run, status, stopReason, usage, failure);

        return (end.AssistantTurn, usage, null);
    }

    // The client has seen the whole answer by now: a database that refuses for a moment (locked, overloaded, a
    // failover) must not lose it. The commit is one transaction, so a retry after a failure cannot store it twice.
    private async Task<Exception?> CommitWithRetriesAsync(RunEnd end)
    {
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(Math.Max(0, options.Value.CommitRetrySeconds));
        var pause = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await runs.EndRunAsync(end, CancellationToken.None);
                return null;
            }
            catch (Exception ex) when (ex is not RunAlreadyEndedException && time.GetUtcNow() + pause < deadline)
            {
                LogCommitRetry(logger, content.Redact(ex), end.RunId, attempt);
                await Task.Delay(pause, time, CancellationToken.None);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
            catch (Exception ex)
            {
                return ex;
            }
        }
    }

    // The lease goes with the commit; when the commit failed, it is given back on its own (or, if even that fails, it
    // expires, and the orphan sweep marks the run interrupted).
    private async Task ReleaseLeaseQuietlyAsync(PreparedRun run)
    {
        try
        {
            await windows.ReleaseLeaseAsync(run.Window.Id, run.RunId, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogReleaseFailed(logger, content.Redact(ex), run.RunId);
        }
    }

    private Usage PriceOf(PreparedRun run, Usage usage) =>
        PriceTable.Price(usage, prices.Value.Find(run.Provider.Name, run.Model), run.Provider.Free);

    private static string SpeakerOf(PreparedRun run) => $"{run.Provider.Name}/{run.Model}";

    private async Task RenewLeaseAsync(PreparedRun run, CancellationToken cancellationToken)
    {
        var lease = TimeSpan.FromSeconds(options.Value.LeaseSeconds);
        try
        {
            while (true)
            {
                await Task.Delay(lease / 3, time, cancellationToken);
                await RenewOnceAsync(run, lease, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended; the lease is released with the run's end.
        }
    }

    // One failed renewal must not end the renewals: the lease would expire under a live run, and another replica's
    // sweep would mark the run interrupted while it is still streaming.
    private async Task RenewOnceAsync(PreparedRun run, TimeSpan lease, CancellationToken cancellationToken)
    {
        try
        {
            await windows.RenewLeaseAsync(run.Window.Id, run.RunId, time.GetUtcNow() + lease, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRenewFailed(logger, content.Redact(ex), run.RunId);
        }
    }

    [LoggerMessage(LogLevel.Error, "Recording the end of run {RunId} failed after retrying; the client gets agent_error storage_error")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string runId);

    [LoggerMessage(LogLevel.Warning, "Recording the end of run {RunId} failed (attempt {Attempt}); retrying")]
    private static partial void LogCommitRetry(ILogger logger, Exception exception, string runId, int attempt);

    [LoggerMessage(LogLevel.Warning, "Releasing the window lease of run {RunId} failed; it expires on its own")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string runId);

    [LoggerMessage(LogLevel.Warning, "Renewing the window lease of run {RunId} failed; the next renewal tries again")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string runId);
}
