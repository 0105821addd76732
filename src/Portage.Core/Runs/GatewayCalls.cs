using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portage.Core.Errors;
using Portage.Core.Limits;
using Portage.Core.Providers;
using Portage.Core.Recording;
using Portage.Core.Sessions;
using Portage.Core.Telemetry;
using Portage.Core.Tenancy;
using Portage.Core.Tools;
using Portage.Protocol.Runs;

namespace Portage.Core.Runs;

/// <summary>A gateway call that passed every check that can still become an HTTP status.</summary>
/// <param name="Id">The call's id (<c>chatcmpl_…</c>); it is stored nowhere.</param>
/// <param name="SandboxId">The sandbox the call was made in (for its span).</param>
/// <param name="Request">The validated request, with the caller's history.</param>
/// <param name="Conversation">What the provider is sent, fitted to the model's budget.</param>
/// <param name="Trace">The call's span and clock; ended when the call ends.</param>
public sealed record PreparedGatewayCall(string Id, string SandboxId, RunRequest Request, Conversation Conversation, RunTrace Trace)
{
    /// <summary>The call's hold on the sandbox budget, or null when none applies; settled when the call ends.</summary>
    public BudgetHold? Spend { get; init; }

    /// <summary>The rate limits the call was admitted under, or null.</summary>
    public RateAdmission? Rates { get; init; }
}

/// <summary>
/// Provider calls that are not runs: an OpenAI Chat Completions request without <c>user</c>. The caller's conversation
/// goes to the provider through the same budget, retries, telemetry and pricing as a run's, and nothing is stored: no
/// window, session, turn, run record or event log, so no usage report counts the call (its metrics and spans do). No
/// tool runs: the router's tools read and write an end user's window, and a gateway call has neither.
/// </summary>
public sealed class GatewayCalls(
    ToolInvoker tools,
    SandboxService sandboxes,
    SpendGate spend,
    RateGate rates,
    IIdGenerator ids,
    TimeProvider time,
    IOptions<RunOptions> options,
    IOptions<ProviderRetryOptions> retry,
    IOptions<PriceTable> prices,
    IOptions<ModelLimits> models,
    ContentLogging content,
    ILogger<GatewayCalls> logger)
{
    /// <summary>
    /// Checks the sandbox takes calls (409 when suspended or archived), admits the call under the sandbox's and its
    /// key's rate limits (429), fits it (400 <c>message_too_large</c>) and reserves its estimated maximum on the sandbox
    /// budget (402). A call that names its end user (a Responses call with <c>store: false</c>) is also held to that end
    /// user's limits, as a run of theirs is: recording nothing must not be a way around them.
    /// </summary>
    public async Task<PreparedGatewayCall> PrepareAsync(string sandboxId, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sandbox = await sandboxes.EnsureOpenAsync(sandboxId, "runs", cancellationToken);
        var endUser = request.EndUserId;
        var own = endUser.Length > 0 ? await spend.EndUserLimitsAsync(sandboxId, endUser, cancellationToken) : null;
        var admission = await rates.AdmitAsync(sandbox, endUser, own, request.Caller, cancellationToken);
        var call = Prepare(sandboxId, request);
        try
        {
            long input = TokenEstimator.Estimate(call.Conversation.Sent);
            var limit = models.Value.For(request.Provider, request.Model);
            var output = request.MaxTokens ?? (limit.MaxOutputTokens > 0 ? limit.MaxOutputTokens : Math.Max(0, limit.ContextTokens - input));
            var estimate = SpendEstimate.Microcents(prices.Value.Find(request.Provider.Name, request.Model), input, output);
            var hold = await spend.ReserveAsync(sandbox, endUser, own, call.Id, estimate, TimeSpan.FromSeconds(options.Value.TimeLimitSeconds + 60), cancellationToken);
            return call with { Spend = hold, Rates = admission };
        }
        catch
        {
            call.Trace.Dispose();
            throw;
        }
    }

    /// <summary>Releases a prepared call's hold when it is never streamed.</summary>
    public Task ReleaseAsync(PreparedGatewayCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return spend.ReleaseAsync(call.Spend);
    }

    private PreparedGatewayCall Prepare(string sandboxId, RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var budget = ContextBudget.Compute(request.Provider, request.Model, models.Value.For(request.Provider, request.Model), request.MaxTokens, request.SystemPrompt, null);
        budget.EnsureFits(request.UserMessages);
        var conversation = ConversationBuilder.FromCaller(request.CallerHistory ?? [], request.UserMessages, request.SystemPrompt, budget);
        var id = ids.NewId("chatcmpl");
        var trace = RunTrace.Start(sandboxId, time);
        trace.Activity?.SetTag("portage.gateway.call.id", id);
        trace.Activity?.SetTag("gen_ai.system", request.Provider.Name);
        trace.Activity?.SetTag("gen_ai.request.model", request.Model);
        return new PreparedGatewayCall(id, sandboxId, request, conversation, trace);
    }

    /// <summary>
    /// Streams the call's events: text deltas, then <c>agent_finish</c> (with the priced usage) or <c>agent_error</c>;
    /// nothing more when <paramref name="cancellationToken"/> (the client going away) stopped it.
    /// </summary>
    public async IAsyncEnumerable<AgentEvent> StreamAsync(PreparedGatewayCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var request = call.Request;
        var limit = options.Value.TimeLimitSeconds;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(limit), time);
        using var callToken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var metricTags = RunTrace.MetricTags(request.Provider, request.Model, prices.Value);
        var client = ProviderPipeline.Compose(request.Provider, request.Model, call.Trace, call.Id, metricTags, retry.Value, time, logger, content);
        var recorder = new TurnRecorder();

        // No tool cycle: a call the model makes anyway is closed unexecuted, as at a run's max_cycles.
        var settings = new RunOptions { MaxToolCycles = 0, TimeLimitSeconds = limit };
        var loop = new AgentLoop(client, tools, new RunScope(call.SandboxId, "", "", "", call.Id), settings, recorder, call.Trace.Activity);
        var chatOptions = new ChatOptions { ModelId = request.Model, MaxOutputTokens = request.MaxTokens };
        AgentLoop.SetCurrent(call.Trace.Activity);
        Usage? usage = null;
        long? remaining = null;
        try
        {
            await foreach (var agentEvent in loop.RunAsync(call.Conversation.Sent, chatOptions, cancellationToken, callToken.Token))
            {
                yield return agentEvent;
            }
        }
        finally
        {
            // Also when the consumer stops early: the call's span and metrics end either way.
            var status = loop.Status == RunStatus.Running ? RunStatus.Cancelled : loop.Status;
            usage = PriceTable.Price(recorder.BuildUsage(call.Conversation.Sent), prices.Value.Find(request.Provider.Name, request.Model), request.Provider.Free);
            var stopReason = status is RunStatus.Succeeded or RunStatus.Timeout ? recorder.StopReason() : null;
            call.Trace.End(status, completed: status is not (RunStatus.Failed or RunStatus.Cancelled), stopReason, usage, loop.Failure, metricTags);
            remaining = await spend.SettleAsync(call.Spend, usage.CostMicrocents);
            await rates.CountTokensAsync(call.Rates, usage);
        }

        if (loop.Status is RunStatus.Succeeded or RunStatus.Timeout)
        {
            yield return new AgentFinish(recorder.StopReason(), null, usage)
            {
                RunId = call.Id, Provider = request.Provider.Name, Model = request.Model, BudgetRemainingMicrocents = remaining,
            };
        }
        else if (loop.Status == RunStatus.Failed)
        {
            yield return new AgentError(loop.Failure?.Message ?? "The provider failed.", loop.Failure is PortageException p ? p.ErrorType : "provider_error") { RunId = call.Id };
        }
    }
}
