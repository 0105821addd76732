namespace Portage.Protocol.Sources;

/// <summary>
/// A data source of a sandbox. Context windows are data sources with <c>kind: ephemeral</c> and
/// <c>provider: custom</c>; the <c>end_user_id</c>, <c>turn_count</c> and <c>last_active_at</c> fields are Portage extensions.
/// </summary>
public sealed record DataSource
{
    /// <summary>Id, <c>ds_…</c>.</summary>
    public required string DataSourceId { get; init; }

    /// <summary>The account that owns the sandbox.</summary>
    public required string UserId { get; init; }

    /// <summary>The sandbox.</summary>
    public required string SandboxId { get; init; }

    /// <summary><c>custom</c> for context windows.</summary>
    public required string Provider { get; init; }

    /// <summary>Display name.</summary>
    public required string Name { get; init; }

    /// <summary><c>manual</c> for context windows.</summary>
    public string IngestionMode { get; init; } = "manual";

    /// <summary><c>active</c>, <c>paused</c>, <c>disconnected</c>, <c>error</c> or <c>archived</c>.</summary>
    public required string Status { get; init; }

    /// <summary><c>durable</c> or <c>ephemeral</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Adapter configuration (empty for windows).</summary>
    public IReadOnlyDictionary<string, string> AdapterConfig { get; init; } = new Dictionary<string, string>();

    /// <summary>Creation time.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Portage: the end user a context window belongs to.</summary>
    public string? EndUserId { get; init; }

    /// <summary>Portage: last time a turn was added.</summary>
    public DateTimeOffset? LastActiveAt { get; init; }

    /// <summary>Portage: number of turns in the window.</summary>
    public int? TurnCount { get; init; }

    /// <summary>Portage: why a window was archived (<c>explicit</c> or <c>inactivity</c>).</summary>
    public string? ArchivedReason { get; init; }
}

/// <summary>Answer of <c>GET …/sources</c>.</summary>
public sealed record DataSourceList(IReadOnlyList<DataSource> Sources, int Count);

/// <summary>Answer of <c>POST …/sources/_sweep_ephemeral</c>.</summary>
public sealed record SweepResponse(int ArchivedCount, long InactivitySeconds);
