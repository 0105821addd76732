using Microsoft.Extensions.AI;
using Portage.Core.Limits;
using Portage.Core.Sessions;
using Portage.Core.Telemetry;
using Portage.Core.Tenancy;
using Portage.Core.Windows;

namespace Portage.Core.Runs;

/// <summary>
/// A run that passed every check that can still become an HTTP status: the request validated, the window chosen and
/// leased, the session chosen, the run and its user turns stored. From here on, failures are <c>agent_error</c> frames.
/// </summary>
/// <param name="Request">The validated request: provider, model, messages, limits.</param>
/// <param name="Scope">Sandbox, end user, window, session and run ids: what every later step is given.</param>
/// <param name="Record">The run as it was stored when it started.</param>
/// <param name="Window">The window the run writes to.</param>
/// <param name="Session">The session the run continues or starts.</param>
/// <param name="PriorTurns">The window's turns before this run that the conversation may render, oldest first.</param>
/// <param name="Lease">The run's hold on its window (rule 8); the executor renews it and disposes it after the commit.</param>
/// <param name="Trace">The run's span and clock (telemetry); the executor ends it.</param>
/// <param name="Tools">The tools offered to the run, or null when there are none.</param>
/// <param name="Budget">The run's input budget (without the prefetch block, which the executor adds when it fits).</param>
public sealed record PreparedRun(
    RunRequest Request, RunScope Scope, RunRecord Record, WindowRecord Window, SessionChoice Session, IReadOnlyList<TurnRecord> PriorTurns, WindowLease Lease, RunTrace Trace,
    IList<AITool>? Tools, ContextBudget Budget)
{
    /// <summary>The run's hold on its spending budgets, or null when none applies; settled by the commit.</summary>
    public BudgetHold? Spend { get; init; }

    /// <summary>
    /// Whether the sandbox had content shared by all its end users when the run's tools were chosen (the retrieval tools
    /// were offered), so the discover prefetch need not ask again; null when the tools were not chosen here.
    /// </summary>
    public bool? SharedContent { get; init; }

    /// <summary>The rate limits the run was admitted under (its tokens count against them), or null when none applies.</summary>
    public RateAdmission? Rates { get; init; }
}
