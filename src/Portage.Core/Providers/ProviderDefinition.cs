using Microsoft.Extensions.AI;

namespace Portage.Core.Providers;

/// <summary>
/// A provider the router can run turns on, keyed by the wire's <c>provider</c> string. The seam is MEAI's
/// <see cref="IChatClient"/>: the model id travels in <see cref="ChatOptions.ModelId"/>, a server-side session id in
/// <see cref="ChatOptions.ConversationId"/>.
/// </summary>
public sealed record ProviderDefinition
{
    /// <summary>The <c>provider</c> value of run requests, for example <c>echo</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The chat client that talks to the provider.</summary>
    public required IChatClient Client { get; init; }

    /// <summary>Model used when a request names none.</summary>
    public required string DefaultModel { get; init; }

    /// <summary>Models offered to clients (any model id is passed through).</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>
    /// The most tokens of earlier turns a run of this provider sends (the replayed transcript, catch-up turns and a
    /// rendered window; the oldest exchanges go first beyond it), on any model: a cost limit below the model's own. A
    /// model the <see cref="ModelLimits"/> table does not list takes it as its context.
    /// </summary>
    public int ContextBudgetTokens { get; init; } = 100_000;

    /// <summary>
    /// True when the provider keeps the conversation server-side under its own session id: Portage then sends only
    /// new messages. False (the common case): Portage stores the native transcript and replays it.
    /// </summary>
    public bool ServerSideSessions { get; init; }

    /// <summary>True for offline models that never cost anything (no price needed, never <c>cost_unknown</c>).</summary>
    public bool Free { get; init; }

    /// <summary>What the provider needs to be configured (shown to users), for example <c>ANTHROPIC_API_KEY</c>.</summary>
    public string Needs { get; init; } = "nothing";

    /// <summary>
    /// False when the provider is known but lacks credentials: it is listed (so users see what to set) and a run on it
    /// is refused with 400 <c>provider_not_configured</c> naming <see cref="Needs"/>.
    /// </summary>
    public bool Configured { get; init; } = true;

    /// <summary>
    /// The variant used when a run names a <c>reasoning_engine_id</c> (Google's Vertex AI Agent Engine): same provider
    /// name, server-side sessions. Null when the provider has no such variant.
    /// </summary>
    public ProviderDefinition? AgentEngine { get; init; }
}
