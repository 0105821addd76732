using System.Text.Json;

namespace Portage.Protocol.Sources;

/// <summary>
/// A data source of a sandbox (copass-compat §7.2), durable or ephemeral. Context windows are data sources with
/// <c>kind: ephemeral</c>; the <c>end_user_id</c>, <c>turn_count</c>, <c>last_active_at</c>, <c>archived_reason</c> and
/// <c>project_id</c> fields are Portage extensions.
/// </summary>
public sealed record DataSource
{
    /// <summary>Id, <c>ds_…</c>.</summary>
    public required string DataSourceId { get; init; }

    /// <summary>The account that owns the sandbox.</summary>
    public required string UserId { get; init; }

    /// <summary>The sandbox.</summary>
    public required string SandboxId { get; init; }

    /// <summary><c>custom</c> (context windows and hand-fed sources), <c>github</c>, <c>slack</c>, …</summary>
    public required string Provider { get; init; }

    /// <summary>Display name.</summary>
    public required string Name { get; init; }

    /// <summary><c>realtime</c>, <c>polling</c>, <c>batch</c> or <c>manual</c> (context windows).</summary>
    public string IngestionMode { get; init; } = "manual";

    /// <summary><c>active</c>, <c>paused</c>, <c>disconnected</c>, <c>error</c> or <c>archived</c>.</summary>
    public required string Status { get; init; }

    /// <summary><c>durable</c> or <c>ephemeral</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The account at the provider, if any.</summary>
    public string? ExternalAccountId { get; init; }

    /// <summary>Adapter settings: a JSON object (empty for context windows).</summary>
    public JsonElement? AdapterConfig { get; init; }

    /// <summary>Seconds between pulls of a polling source.</summary>
    public int? PollIntervalSeconds { get; init; }

    /// <summary>Where a realtime provider posts events (read-only).</summary>
    public string? WebhookUrl { get; init; }

    /// <summary>When an adapter last synced the source (read-only).</summary>
    public DateTimeOffset? LastSyncAt { get; init; }

    /// <summary>Creation time.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Portage: the project the source's content is filed under.</summary>
    public string? ProjectId { get; init; }

    /// <summary>Portage: the end user a context window belongs to.</summary>
    public string? EndUserId { get; init; }

    /// <summary>Portage: last time a turn was added (registration time for a durable source).</summary>
    public DateTimeOffset? LastActiveAt { get; init; }

    /// <summary>Portage: number of turns in the window (null for a durable source).</summary>
    public int? TurnCount { get; init; }

    /// <summary>Portage: why a source was archived (<c>explicit</c> or <c>inactivity</c>).</summary>
    public string? ArchivedReason { get; init; }
}

/// <summary>
/// Answer of <c>GET …/sources</c>: a page of sources, newest activity first (<c>limit</c>, 100 by default).
/// <see cref="Count"/> counts this page's sources.
/// </summary>
public sealed record DataSourceList(IReadOnlyList<DataSource> Sources, int Count)
{
    /// <summary>Portage: pass it back as <c>cursor</c> for the next page; null on the last page.</summary>
    public string? NextCursor { get; init; }
}

/// <summary>Answer of <c>POST …/sources/_sweep_ephemeral</c>.</summary>
public sealed record SweepResponse(int ArchivedCount, long InactivitySeconds);
