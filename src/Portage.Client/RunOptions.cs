using Portage.Protocol.Runs;

namespace Portage.Client;

/// <summary>One agent turn for <see cref="AgentRouter.RunAsync"/>; the C# form of the Copass <c>run()</c> options.</summary>
public sealed class RunOptions
{
    /// <summary>Provider name: <c>echo</c>, <c>mirror</c>, <c>anthropic</c>, <c>google</c>, <c>openai</c>.</summary>
    public required string Provider { get; set; }

    /// <summary>Model id, passed through. Null or empty means the provider's default model.</summary>
    public string? Model { get; set; }

    /// <summary>System prompt (sent as <c>system_prompt</c>).</summary>
    public string? System { get; set; }

    /// <summary>The user message of this turn. Either this or <see cref="Messages"/> is required.</summary>
    public string? Message { get; set; }

    /// <summary>The user messages of this turn; when set, <see cref="Message"/> is ignored.</summary>
    public IReadOnlyList<RunMessage>? Messages { get; set; }

    /// <summary>Opaque id of the human the run acts for (1–128 URL-safe characters); required by the server.</summary>
    public required string EndUserId { get; set; }

    /// <summary>A <c>session_id</c> from an earlier <see cref="AgentFinish"/>, to continue that session.</summary>
    public string? SessionId { get; set; }

    /// <summary>Google Vertex AI Agent Engine id (provider <c>google</c> only).</summary>
    public string? ReasoningEngineId { get; set; }

    /// <summary>Google region override.</summary>
    public string? Location { get; set; }

    /// <summary>Portage extension: run in this context window.</summary>
    public string? ContextWindowId { get; set; }

    /// <summary>Portage extension: start a new context window instead of continuing the active one.</summary>
    public bool NewWindow { get; set; }

    /// <summary>Portage extension: cap on output tokens.</summary>
    public int? MaxTokens { get; set; }

    /// <summary>Portage extension: a retried request with the same key joins the earlier run.</summary>
    public string? IdempotencyKey { get; set; }

    /// <summary>
    /// Portage extension: <c>cancel</c> (default) stops the run when the connection drops; <c>continue</c> lets it finish
    /// in the background, to be re-joined with <see cref="AgentRouter.ResumeAsync"/>.
    /// </summary>
    public string? OnDisconnect { get; set; }

    internal AgentRunRequest ToRequest() => new()
    {
        Provider = Provider,
        // Copass servers require model and system_prompt; empty means "provider default" / "none" to Portage.
        Model = Model ?? string.Empty,
        SystemPrompt = System ?? string.Empty,
        Messages = Messages is { Count: > 0 } ? Messages : [new RunMessage { Role = "user", Content = Message }],
        EndUserId = EndUserId,
        SessionId = SessionId,
        ReasoningEngineId = ReasoningEngineId,
        Location = Location,
        ContextWindowId = ContextWindowId,
        NewWindow = NewWindow ? true : null,
        MaxTokens = MaxTokens,
        IdempotencyKey = IdempotencyKey,
        OnDisconnect = OnDisconnect,
    };
}
