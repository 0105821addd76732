using Portage.Core.Providers;
using Portage.Core.Sessions;
using Portage.Core.Telemetry;
using Portage.Core.Windows;

namespace Portage.Core.Runs;

/// <summary>
/// A run that passed every check that can still become an HTTP status: the window is chosen and leased, the session
/// chosen, the run and the user turns recorded. From here on, failures are <c>agent_error</c> frames.
/// </summary>
public sealed record PreparedRun
{
    /// <summary>The run id.</summary>
    public required string RunId { get; init; }

    /// <summary>The run as it was stored when it started.</summary>
    public required RunRecord Record { get; init; }

    /// <summary>The window the run writes to.</summary>
    public required WindowRecord Window { get; init; }

    /// <summary>The provider.</summary>
    public required ProviderDefinition Provider { get; init; }

    /// <summary>The model (the provider's default when the request named none).</summary>
    public required string Model { get; init; }

    /// <summary>The session the run continues or starts.</summary>
    public required SessionRecord Session { get; init; }

    /// <summary>True when the session existed before this run (its transcript is replayed, rule 4).</summary>
    public required bool ContinuesSession { get; init; }

    /// <summary>The window's turns before this run, oldest first.</summary>
    public required IReadOnlyList<TurnRecord> PriorTurns { get; init; }

    /// <summary>The new user messages.</summary>
    public required IReadOnlyList<string> UserMessages { get; init; }

    /// <summary>Sequence number of the last user turn written for this run.</summary>
    public required long LastUserTurnSeq { get; init; }

    /// <summary>The system prompt, possibly empty.</summary>
    public required string SystemPrompt { get; init; }

    /// <summary>The end user the run acts for.</summary>
    public required string EndUserId { get; init; }

    /// <summary>The request's <c>reasoning_engine_id</c>, for Google's Agent Engine.</summary>
    public string? ReasoningEngineId { get; init; }

    /// <summary>The request's <c>location</c> (a Google region), if any.</summary>
    public string? Location { get; init; }

    /// <summary>Output token cap, if any.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>The run's span and clock (telemetry); the executor ends it.</summary>
    public RunTrace? Trace { get; init; }

    /// <summary>The run's place at the head of its window's line in this process; given up once the run's end is stored.</summary>
    public WindowSlot? Slot { get; init; }

    /// <summary>When the run started.</summary>
    public required DateTimeOffset StartedAt { get; init; }
}
