using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portage.Core.Compaction;
using Portage.Core.Errors;
using Portage.Core.Providers;
using Portage.Core.Recording;
using Portage.Core.Retrieval;
using Portage.Core.Sessions;
using Portage.Core.Telemetry;
using Portage.Core.Tools;
using Portage.Protocol.Runs;

namespace Portage.Core.Runs;

/// <summary>
/// The part of a run after the first byte, as named stages: keep the window (rule 8), build the conversation (rules 4
/// and 6), compose the provider client, run the agent loop, commit the run (rule 7, also when the client goes away or
/// the provider fails; with it the conversation memory job), let the window's next run go, and send one terminal frame.
/// </summary>
public sealed class RunExecutor(
    RunCommit commit,
    ToolInvoker tools,
    DiscoverPrefetch prefetcher,
    ConversationCompaction compaction,
    TimeProvider time,
    IOptions<RunOptions> options,
    IOptions<ProviderRetryOptions> retry,
    IOptions<PriceTable> prices,
    ContentLogging content,
    ILogger<RunExecutor> logger)
{
    /// <summary>Streams the run's events: <c>run_started</c>, deltas and tool frames, then one terminal frame.</summary>
    public async IAsyncEnumerable<AgentEvent> StreamAsync(PreparedRun run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        await using var lease = run.Lease;
        yield return new RunStarted(run.Scope.RunId, run.Scope.SessionId, run.Scope.WindowId);

        lease.KeepAlive(cancellationToken);
        var settings = options.Value;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(settings.TimeLimitSeconds), time);
        using var runToken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var span = run.Trace.Activity;
        var metricTags = RunTrace.MetricTags(run.Request.Provider, run.Request.Model, prices.Value);
        AgentLoop.SetCurrent(span);

        var (conversation, compacted, summaryUsage) = await ConversationAsync(run, runToken.Token);
        if (compacted is not null)
        {
            yield return compacted;
        }

        var chatOptions = ChatOptions(run);
        var recorder = new TurnRecorder();
        var loop = new AgentLoop(ProviderClient(run, metricTags), tools, run.Scope, settings, recorder, span);
        CommittedRun? committed = null;
        try
        {
            await foreach (var agentEvent in loop.RunAsync(conversation.Sent, chatOptions, cancellationToken, runToken.Token))
            {
                yield return agentEvent;
            }
        }
        finally
        {
            // Runs when the stream ends and also when the consumer stops early (client disconnect): either way the
            // turn is recorded.
            AgentLoop.SetCurrent(span);
            await lease.StopRenewingAsync();
            committed = await commit.CommitAsync(run, conversation, recorder, EndStatus(loop), loop.Failure, metricTags, summaryUsage);
            // The next run of the window in this process may go.
            lease.LeaveLine();
        }

        // Reached only when the stream was read to its end (a consumer that stops early gets nothing more).
        if (committed is not null && TerminalFrame(run, loop, recorder, committed) is { } terminal)
        {
            yield return terminal;
        }
    }

    // A loop still running here was stopped by its consumer: the client went away.
    private static string EndStatus(AgentLoop loop) => loop.Status == RunStatus.Running ? RunStatus.Cancelled : loop.Status;

    // A new session starts from what the sandbox knows about the question (copass-compat §6.8); a conversation past the
    // compaction threshold has its oldest part summarised. A conversation the caller sent whole gets neither: the caller
    // decides what the model reads, and a summary turn in the window would stand for turns the window never had.
    private async Task<CompactedConversation> ConversationAsync(PreparedRun run, CancellationToken cancellationToken)
    {
        var request = run.Request;
        if (request.CallerHistory is { } history)
        {
            // The caller sent the conversation whole: it goes as sent (fitted), and the window is only written to.
            return new CompactedConversation(ConversationBuilder.FromCaller(history, request.UserMessages, request.SystemPrompt, run.Budget), null);
        }

        var prefetch = run.Session.Continues || request.Provider.ServerSideSessions ? null
            : await prefetcher.BlockAsync(RetrievalScope.Of(run.Scope), request.UserMessages[^1], run.SharedContent, cancellationToken);
        Conversation conversation;
        using (var building = PortageTelemetry.Source.StartActivity("build_messages"))
        {
            conversation = ConversationBuilder.Build(run.Session, request.Provider, run.PriorTurns, prefetch, request.UserMessages, request.SystemPrompt, run.Budget);
            building?.SetTag("portage.messages", conversation.Sent.Count);
            building?.SetTag("portage.context.tokens_before", conversation.Fitted.TokensBefore);
            building?.SetTag("portage.context.tokens_after", conversation.Fitted.TokensAfter);
        }

        return await compaction.CompactAsync(run.Scope, request.Provider, request.Model, conversation, cancellationToken);
    }

    private static ChatOptions ChatOptions(PreparedRun run)
    {
        var request = run.Request;
        var serverSide = request.Provider.ServerSideSessions;
        return new ChatOptions
        {
            ModelId = request.Model,
            MaxOutputTokens = request.MaxTokens,
            ConversationId = serverSide ? run.Session.Session.ProviderSessionId : null,
            Tools = run.Tools,
            AdditionalProperties = new AdditionalPropertiesDictionary
            {
                [RunContextKeys.EndUserId] = run.Scope.EndUserId,
                [RunContextKeys.ProviderUserId] = ProviderUserIds.For(run.Scope.SandboxId, run.Scope.EndUserId),
                [RunContextKeys.ReasoningEngineId] = request.ReasoningEngineId,
                [RunContextKeys.Location] = request.Location,
            },
        };
    }

    private IChatClient ProviderClient(PreparedRun run, KeyValuePair<string, object?>[] metricTags) =>
        ProviderPipeline.Compose(run.Request.Provider, run.Request.Model, run.Trace, run.Scope.RunId, metricTags, retry.Value, time, logger, content);

    // Exactly one terminal frame, and agent_finish only for a stored turn (rule 7). A cancelled run has nobody to tell.
    private static AgentEvent? TerminalFrame(PreparedRun run, AgentLoop loop, TurnRecorder recorder, CommittedRun committed)
    {
        var runId = run.Scope.RunId;
        var status = EndStatus(loop);
        if (committed.Failure is { } refused)
        {
            return status == RunStatus.Cancelled ? null
                : refused is RunAlreadyEndedException ended ? new AgentError(ended.Message, ended.ErrorType) { RunId = runId }
                : new AgentError(
                    "The answer could not be saved: the database did not accept the run's final write. The answer above is not in the window; send the message again.",
                    "storage_error") { RunId = runId };
        }

        if (status is RunStatus.Succeeded or RunStatus.Timeout)
        {
            // A provider with server-side sessions (Agent Engine) names the session itself; its id is the wire's
            // session_id, and Portage's own id for it keeps working too (sessions are found by either).
            var session = run.Session.Session;
            var sessionId = run.Request.Provider.ServerSideSessions ? recorder.ConversationId ?? session.ProviderSessionId ?? session.Id : session.Id;
            return new AgentFinish(recorder.StopReason(), sessionId, committed.Usage)
            {
                RunId = runId,
                ContextWindowId = run.Scope.WindowId,
                Provider = run.Request.Provider.Name,
                Model = run.Request.Model,
                BudgetRemainingMicrocents = committed.BudgetRemaining,
            };
        }

        return status == RunStatus.Failed
            ? new AgentError(loop.Failure?.Message ?? "The provider failed.", loop.Failure is PortageException p ? p.ErrorType : "provider_error") { RunId = runId }
            : null;
    }
}
