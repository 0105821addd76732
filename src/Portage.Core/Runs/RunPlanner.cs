using Microsoft.Extensions.Options;
using Portage.Core.Errors;
using Portage.Core.Limits;
using Portage.Core.Recording;
using Portage.Core.Sessions;
using Portage.Core.Providers;
using Portage.Core.Telemetry;
using Portage.Core.Tenancy;
using Portage.Core.Tools;
using Portage.Core.Windows;

namespace Portage.Core.Runs;

/// <summary>
/// The part of a run that happens before the first byte, as named stages: choose the window (rules 3, 9), take it
/// (rule 8), choose the session (rules 4, 5), compute the run's context budget (refusing a message that cannot fit), read
/// the turns the conversation may need, and store the run's start with its user turns (rule 7's first half: the user
/// turn is written before the provider is called). Everything it throws becomes an HTTP status.
/// </summary>
public sealed class RunPlanner(
    WindowChooser windowChooser,
    WindowLeases leases,
    SessionChooser sessionChooser,
    IWindowStore windows,
    IRunStore runs,
    ToolInvoker tools,
    SandboxService sandboxes,
    SpendGate spend,
    RateGate rates,
    IOptions<ModelLimits> models,
    IOptions<PriceTable> prices,
    IOptions<RunOptions> options,
    IIdGenerator ids,
    TimeProvider time)
{
    /// <summary>Prepares a validated run in the given (already authorized) sandbox.</summary>
    public async Task<PreparedRun> PrepareAsync(string sandboxId, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // The run span starts here so that window resolution is its child; the executor ends it after the commit.
        var trace = RunTrace.Start(sandboxId, time);
        try
        {
            var run = await PrepareTracedAsync(sandboxId, request, trace, cancellationToken);
            trace.Planned(run.Scope, request.Provider.Name, request.Model);
            return run;
        }
        catch (Exception ex)
        {
            PortageTelemetry.Fail(trace.Activity, ex);
            PortageTelemetry.Errors.Add(1, new KeyValuePair<string, object?>("error.type", ex is PortageException p ? p.ErrorType : "internal"));
            trace.Dispose();
            throw;
        }
    }

    private async Task<PreparedRun> PrepareTracedAsync(string sandboxId, RunRequest request, RunTrace trace, CancellationToken cancellationToken)
    {
        var sandbox = request.Sandbox is { } known && known.Id == sandboxId
            ? SandboxService.EnsureOpen(known, "runs")
            : await sandboxes.EnsureOpenAsync(sandboxId, "runs", cancellationToken);
        var own = await spend.EndUserLimitsAsync(sandboxId, request.EndUserId, cancellationToken);
        var admission = await rates.AdmitAsync(sandbox, request.EndUserId, own, request.Caller, cancellationToken);
        var runId = ids.NewId("run");
        using var resolution = PortageTelemetry.Source.StartActivity("resolve_window");
        resolution?.SetTag("portage.run.id", runId);

        var namedSession = await sessionChooser.FindNamedAsync(sandboxId, request.EndUserId, request.Window.SessionId, cancellationToken);
        var window = await windowChooser.ChooseAsync(sandboxId, request.EndUserId, request.Window, namedSession?.WindowId, cancellationToken);
        var lease = await leases.AcquireAsync(window.Window, runId, window.Named, cancellationToken);
        try
        {
            // The window's turn count, read before the session and its turns, is what the start checks when it takes the
            // lease: a window that changed in between is read again under a lease taken on its own.
            var plan = new InWindow(sandbox, own, admission, request, window, lease, trace, resolution);
            var take = window.IsNew ? null : leases.TakeWithStart(window.Window.TurnCount);
            try
            {
                return await PlanInWindowAsync(plan, namedSession, take, cancellationToken);
            }
            catch (WindowChangedException) when (take is not null)
            {
                await lease.TakeFromStoreAsync(cancellationToken);
                namedSession = await sessionChooser.FindNamedAsync(sandboxId, request.EndUserId, request.Window.SessionId, cancellationToken);
                return await PlanInWindowAsync(plan, namedSession, null, cancellationToken);
            }
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }
    }

    // Everything a run reads and reserves once it holds its place in the window's line, then its start. With `take`,
    // the start also takes the window's lease, or throws WindowChangedException having written nothing.
    private async Task<PreparedRun> PlanInWindowAsync(InWindow plan, Sessions.SessionRecord? namedSession, LeaseTake? take, CancellationToken cancellationToken)
    {
        var (sandbox, own, admission, request, window, lease, trace, resolution) = plan;
        BudgetHold? hold = null;
        try
        {
            var session = await sessionChooser.ChooseAsync(window, request.EndUserId, request.Provider, request.Model, namedSession,
                sessionNamed: !string.IsNullOrEmpty(request.Window.SessionId), cancellationToken);
            var scope = new RunScope(sandbox.Id, request.EndUserId, window.Window.Id, session.Session.Id, lease.RunId);
            resolution?.SetTag("portage.window.id", scope.WindowId);
            resolution?.SetTag("portage.session.id", scope.SessionId);
            resolution?.SetTag("portage.session.continues", session.Continues);

            // A server-side agent (Agent Engine) brings and runs its own tools.
            var offered = request.Provider.ServerSideSessions ? null : await tools.OfferedAsync(scope, cancellationToken);
            var budget = ContextBudget.Compute(request.Provider, request.Model, models.Value.For(request.Provider, request.Model),
                request.MaxTokens, request.SystemPrompt, offered);
            budget.EnsureFits(request.UserMessages);
            var history = budget.HistoryTokens(request.UserMessages.Sum(TokenEstimator.Estimate));
            var priorTurns = window.IsNew || request.CallerHistory is not null ? [] : await ReadPriorTurnsAsync(scope, session, history, cancellationToken);
            hold = await ReserveAsync(sandbox, own, scope, request, budget, priorTurns, cancellationToken);
            var record = await StoreStartAsync(scope, request, window, session, take, cancellationToken);
            return new PreparedRun(request, scope, record, window.Window, session, priorTurns, lease, trace, offered, budget)
            {
                Spend = hold,
                Rates = admission,
                // The retrieval tools are offered exactly when the sandbox has shared content.
                SharedContent = request.Provider.ServerSideSessions ? null : offered?.Any(t => t.Name == Retrieval.RetrievalTools.DiscoverName) ?? false,
            };
        }
        catch
        {
            await spend.ReleaseAsync(hold);
            throw;
        }
    }

    // What a run has decided before it reads in its window.
    private sealed record InWindow(
        Tenancy.SandboxRecord Sandbox, Protocol.Tenancy.EndUserLimits? Own, RateAdmission? Admission, RunRequest Request, WindowChoice Window,
        WindowLease Lease, RunTrace Trace, System.Diagnostics.Activity? Resolution);

    // The run's most: what it sends (system prompt, tools, the new messages, the earlier turns it may render, or the
    // caller's history) and its answer's room (max_tokens, else the model's output limit, else the rest of its context).
    // Tool cycles resend the conversation and a compaction adds a summary: a run may cost more than this, and its real
    // cost is what settles.
    private Task<BudgetHold?> ReserveAsync(
        Tenancy.SandboxRecord sandbox, Protocol.Tenancy.EndUserLimits? own, RunScope scope, RunRequest request, ContextBudget budget, IReadOnlyList<TurnRecord> priorTurns, CancellationToken cancellationToken)
    {
        long input = budget.FixedTokens + request.UserMessages.Sum(TokenEstimator.Estimate)
            + (request.CallerHistory?.Sum(TokenEstimator.Estimate) ?? Math.Min(priorTurns.Sum(t => (long)t.TokenEstimate), budget.HistoryTokens(0)));
        long output = budget.OutputTokens > 0 ? budget.OutputTokens : Math.Max(0, budget.Limit.ContextTokens - input);
        var estimate = SpendEstimate.Microcents(prices.Value.Find(request.Provider.Name, request.Model), input, output);
        var settings = options.Value;
        // Past its time limit and its commit's retries a live run has settled; a minute more for a slow store.
        var holdFor = TimeSpan.FromSeconds(settings.TimeLimitSeconds + Math.Max(0, settings.CommitRetrySeconds) + 60);
        return spend.ReserveAsync(sandbox, scope.EndUserId, own, scope.RunId, estimate, holdFor, cancellationToken);
    }

    // A summary written since a continued session's last turn also stands for turns before it: the window is then read
    // from its start (the summary first), and the conversation builder catches the session up from there.
    private async Task<IReadOnlyList<TurnRecord>> ReadPriorTurnsAsync(RunScope scope, SessionChoice session, int budgetTokens, CancellationToken cancellationToken)
    {
        var afterSeq = session.Continues ? session.Session.LastWindowSeq : 0;
        var turns = await PriorTurns.ReadAsync(windows, scope.SandboxId, scope.WindowId, afterSeq, budgetTokens, cancellationToken);
        return afterSeq > 0 && turns is [{ Role: TurnRole.Compaction }, ..]
            ? await PriorTurns.ReadAsync(windows, scope.SandboxId, scope.WindowId, 0, budgetTokens, cancellationToken)
            : turns;
    }

    // The run, a new session and the user turns in one transaction. A new window is written with them, already leased
    // to the run: a start that fails (a concurrent retry with the same idempotency key won) leaves no empty window.
    private async Task<RunRecord> StoreStartAsync(
        RunScope scope, RunRequest request, WindowChoice window, SessionChoice session, LeaseTake? take, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var run = new RunRecord(scope.RunId, scope.SandboxId, scope.EndUserId, scope.WindowId, scope.SessionId, request.Provider.Name, request.Model,
            RunStatus.Running, now, IdempotencyKey: request.IdempotencyKey, RequestFingerprint: request.Fingerprint);
        var userTurns = request.UserMessages
            .Select(text => new NewTurn(TurnRole.User, "User", request.Provider.Name, request.Model, scope.RunId, RunStatus.Succeeded, now,
                TokenEstimator.Estimate(text), [TurnPart.OfText(text)]))
            .ToList();
        await runs.StartRunAsync(new RunStart(run, session.Continues ? null : session.Session, userTurns)
        {
            NewWindow = window.IsNew ? window.Window : null,
            LeaseExpiresAt = window.IsNew ? leases.NewLeaseExpiry() : null,
            TakeLease = take,
            Response = request.Response,
        }, cancellationToken);
        return run;
    }
}
