using System.Text.Json;

namespace Portage.Protocol.Runs;

/// <summary>
/// A stored run, as <c>GET …/agents/runs/{run_id}</c> answers it and <c>GET …/agents/runs</c> lists it: Portage's fields,
/// then copass-compat §7.8's <c>AgentRun</c> fields computed from what Portage stores.
/// </summary>
public sealed record RunInfo
{
    /// <summary>Id, <c>run_…</c>.</summary>
    public required string RunId { get; init; }

    /// <summary>The sandbox.</summary>
    public required string SandboxId { get; init; }

    /// <summary>The end user the run was for.</summary>
    public required string EndUserId { get; init; }

    /// <summary>The window (ephemeral data source) the run wrote to.</summary>
    public required string ContextWindowId { get; init; }

    /// <summary>The session the run continued or started.</summary>
    public required string SessionId { get; init; }

    /// <summary>Provider name.</summary>
    public required string Provider { get; init; }

    /// <summary>Model id.</summary>
    public required string Model { get; init; }

    /// <summary><c>running</c>, <c>succeeded</c>, <c>failed</c>, <c>cancelled</c>, <c>timeout</c> or <c>interrupted</c>.</summary>
    public required string Status { get; init; }

    /// <summary>The stop reason of a finished run (copass-compat §3.6), else null.</summary>
    public string? StopReason { get; init; }

    /// <summary>What went wrong, for runs that did not succeed.</summary>
    public string? Error { get; init; }

    /// <summary>The usage object the run reported on <c>agent_finish</c> (tokens, <c>cost_microcents</c>, …), or null while running.</summary>
    public JsonElement? Usage { get; init; }

    /// <summary>When the run started (UTC).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When the run ended (UTC), or null while running.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Wall-clock duration in milliseconds, or null while running.</summary>
    public long? DurationMs { get; init; }

    /// <summary>
    /// AgentRun: the text of the run's answer (its assistant turn, partial for a failed or cancelled run); null while
    /// running and once its window was purged.
    /// </summary>
    public string? OutputText { get; init; }

    /// <summary>AgentRun: prompt tokens (input, cache reads and cache writes); null while running.</summary>
    public long? TokensIn { get; init; }

    /// <summary>AgentRun: completion tokens (output and thinking); null while running.</summary>
    public long? TokensOut { get; init; }

    /// <summary>AgentRun: the run's cost in USD·1e-6, as <c>usage.cost_microcents</c>; null while running.</summary>
    public long? CostMicrocents { get; init; }

    /// <summary>AgentRun: <see cref="Error"/> under the contract's name.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>AgentRun: <see cref="EndedAt"/> under the contract's name.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>
    /// AgentRun: the session id to send as <c>session_id</c> to continue (the provider's own for Agent Engine, else
    /// Portage's <c>sess_…</c>, as <c>agent_finish</c> gave it).
    /// </summary>
    public string? ProviderSessionId { get; init; }
}

/// <summary>A page of runs, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record RunList(IReadOnlyList<RunInfo> Runs, string? NextCursor);
