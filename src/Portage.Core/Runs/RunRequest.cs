using Microsoft.Extensions.AI;
using Portage.Core.Providers;
using Portage.Core.Windows;

namespace Portage.Core.Runs;

/// <summary>
/// A run request after validation (<see cref="RunRequestValidator"/>): every field checked once, trimmed, defaulted,
/// and the provider resolved. Everything after it reads this, never the wire request.
/// </summary>
public sealed record RunRequest
{
    /// <summary>The end user the run acts for (validated); empty only for a gateway call, which has none (see <see cref="GatewayCalls"/>).</summary>
    public required string EndUserId { get; init; }

    /// <summary>The new user messages, in order (each becomes a user turn).</summary>
    public required IReadOnlyList<string> UserMessages { get; init; }

    /// <summary>
    /// The conversation before <see cref="UserMessages"/> as the caller sent it (OpenAI Chat Completions carries the whole
    /// history in every request), or null for a Portage run. When set, the run sends this history and the new messages
    /// instead of the window's turns, fitted to the budget like a replayed transcript; no prefetch, no compaction. The
    /// window still records the new messages and the answer.
    /// </summary>
    public IReadOnlyList<ChatMessage>? CallerHistory { get; init; }

    /// <summary>The API key that asked for the run, whose rate limits it counts against; null when not known.</summary>
    public Tenancy.Caller? Caller { get; init; }

    /// <summary>
    /// The run's sandbox as this request already read it (the HTTP layer does, to check it is the key's account's): the
    /// planner checks that it is open instead of reading it again. Null: the planner reads it.
    /// </summary>
    public Tenancy.SandboxRecord? Sandbox { get; init; }

    /// <summary>The provider, configured; the Agent Engine variant when <see cref="ReasoningEngineId"/> is set.</summary>
    public required ProviderDefinition Provider { get; init; }

    /// <summary>The model: the request's, else the provider's default (for an Agent Engine, the engine).</summary>
    public required string Model { get; init; }

    /// <summary>The system prompt, possibly empty.</summary>
    public string SystemPrompt { get; init; } = "";

    /// <summary>Output token cap, if any (positive).</summary>
    public int? MaxTokens { get; init; }

    /// <summary>The request's <c>reasoning_engine_id</c>, for Google's Agent Engine.</summary>
    public string? ReasoningEngineId { get; init; }

    /// <summary>The request's <c>location</c> (a Google region), if any.</summary>
    public string? Location { get; init; }

    /// <summary>What the request says about its window and session (rule 3's inputs, before the session is looked up).</summary>
    public required WindowReference Window { get; init; }

    /// <summary>The <c>idempotency_key</c>, if any.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>The request's fingerprint when it has an idempotency key (a reused key must carry the same request).</summary>
    public string? Fingerprint { get; init; }

    /// <summary>What a run started through the Responses API keeps beyond the run, stored with its start; null for any other run.</summary>
    public ResponseDetails? Response { get; init; }

    /// <summary>True unless <c>on_disconnect</c> is <c>continue</c>: a client disconnect stops the run.</summary>
    public bool CancelOnDisconnect { get; init; } = true;
}
