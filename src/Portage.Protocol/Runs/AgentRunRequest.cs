namespace Portage.Protocol.Runs;

/// <summary>
/// Body of <c>POST /api/v1/storage/sandboxes/{sandbox_id}/agents/run</c>. Every field is nullable on the wire so the
/// server can answer a missing one with a precise error instead of a deserializer exception.
/// </summary>
public sealed record AgentRunRequest
{
    /// <summary>Provider name, for example <c>echo</c>, <c>anthropic</c>, <c>google</c>, <c>openai</c>.</summary>
    public string? Provider { get; init; }

    /// <summary>Model id, passed through to the provider. Empty means the provider's default model.</summary>
    public string? Model { get; init; }

    /// <summary>System prompt of the turn (the Copass SDK option <c>system</c>).</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>The new user message(s) of this turn; at least one, all with role <c>user</c>.</summary>
    public IReadOnlyList<RunMessage>? Messages { get; init; }

    /// <summary>Opaque id of the human this run acts for: 1–128 characters of <c>[A-Za-z0-9._~:@-]</c>.</summary>
    public string? EndUserId { get; init; }

    /// <summary>A <c>session_id</c> from an earlier <c>agent_finish</c>, to continue that conversation.</summary>
    public string? SessionId { get; init; }

    /// <summary>Google Vertex AI Agent Engine id (provider <c>google</c> only).</summary>
    public string? ReasoningEngineId { get; init; }

    /// <summary>Google region override.</summary>
    public string? Location { get; init; }

    /// <summary>Portage extension: run in this context window.</summary>
    public string? ContextWindowId { get; init; }

    /// <summary>Portage extension: start a new context window instead of continuing the active one.</summary>
    public bool? NewWindow { get; init; }

    /// <summary>Portage extension: cap on output tokens.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Portage extension: a retried request with the same key joins the earlier run.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>
    /// Portage extension: what a client disconnect does to the run. <c>cancel</c> (the default, as Copass) stops it;
    /// <c>continue</c> lets it finish in the background, to be re-joined through the run's events endpoint.
    /// </summary>
    public string? OnDisconnect { get; init; }
}

/// <summary>One message of a run request.</summary>
public sealed record RunMessage
{
    /// <summary>Always <c>user</c> in this contract.</summary>
    public string? Role { get; init; }

    /// <summary>The message text.</summary>
    public string? Content { get; init; }
}
