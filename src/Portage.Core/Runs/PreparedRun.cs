using Portage.Core.Sessions;
using Portage.Core.Telemetry;
using Portage.Core.Tenancy;
using Portage.Core.Windows;

namespace Portage.Core.Runs;

/// <summary>
/// A run that passed every check that can still become an HTTP status: the request validated, the window chosen and
/// leased, the session chosen, the run and its user turns stored. From here on, failures are <c>agent_error</c> frames.
/// </summary>
public sealed record PreparedRun
{
    /// <summary>The validated request: provider, model, messages, limits.</summary>
    public required RunRequest Request { get; init; }

    /// <summary>Sandbox, end user, window, session and run ids: what every later step is given.</summary>
    public required RunScope Scope { get; init; }

    /// <summary>The run as it was stored when it started.</summary>
    public required RunRecord Record { get; init; }

    /// <summary>The window the run writes to.</summary>
    public required WindowRecord Window { get; init; }

    /// <summary>The session the run continues or starts.</summary>
    public required SessionChoice Session { get; init; }

    /// <summary>The window's turns before this run that the conversation may render, oldest first.</summary>
    public required IReadOnlyList<TurnRecord> PriorTurns { get; init; }

    /// <summary>The run's hold on its window (rule 8); the executor renews it and disposes it after the commit.</summary>
    public required WindowLease Lease { get; init; }

    /// <summary>The run's span and clock (telemetry); the executor ends it.</summary>
    public RunTrace? Trace { get; init; }
}
