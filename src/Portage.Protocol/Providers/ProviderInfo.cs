namespace Portage.Protocol.Providers;

/// <summary>A known provider, as listed by <c>GET /api/v1/providers</c> (Portage extension).</summary>
public sealed record ProviderInfo
{
    /// <summary>The <c>provider</c> value of run requests.</summary>
    public required string Name { get; init; }

    /// <summary>Model used when a run names none.</summary>
    public required string DefaultModel { get; init; }

    /// <summary>Models offered (any model id is passed through).</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>What the provider needs to be configured.</summary>
    public required string Needs { get; init; }

    /// <summary>What <c>session_id</c> means for this provider.</summary>
    public required string Sessions { get; init; }

    /// <summary>False when the provider lacks credentials: runs on it get 400 <c>provider_not_configured</c>.</summary>
    public bool Configured { get; init; } = true;

    /// <summary>True when runs may name a <c>reasoning_engine_id</c> (Google's Vertex AI Agent Engine).</summary>
    public bool AgentEngines { get; init; }
}

/// <summary>Answer of <c>GET /api/v1/providers</c>.</summary>
public sealed record ProviderList(IReadOnlyList<ProviderInfo> Providers, int Count);
