
namespace Portage.Core.Sources;

/// <summary>The two kinds of data source.</summary>
public static class SourceKind
{
    /// <summary>A registered source of content (a repository, a mailbox, a folder); the default at registration.</summary>
    public const string Durable = "durable";

    /// <summary>A context window: the turn log of one conversation of one end user.</summary>
    public const string Ephemeral = "ephemeral";
}

/// <summary>Who drives the push of a source's content (metadata: the ingest path is the same for all).</summary>
public static class SourceIngestionMode
{
    /// <summary>The provider pushes events (webhooks).</summary>
    public const string Realtime = "realtime";

    /// <summary>Portage pulls every <c>poll_interval_seconds</c>.</summary>
    public const string Polling = "polling";

    /// <summary>Bulk loads.</summary>
    public const string Batch = "batch";

    /// <summary>The caller ingests when it wants (the default; context windows).</summary>
    public const string Manual = "manual";
}

/// <summary>
/// A data source of a sandbox, durable or ephemeral. The ephemeral ones are the context windows of the run path, which
/// the window store sees as window records of the same rows.
/// </summary>
public sealed record DataSourceRecord
{
    /// <summary>Id, <c>ds_…</c>; also the <c>context_window_id</c> of an ephemeral source.</summary>
    public required string Id { get; init; }

    /// <summary>The owning sandbox (immutable).</summary>
    public required string SandboxId { get; init; }

    /// <summary><see cref="SourceKind.Durable"/> or <see cref="SourceKind.Ephemeral"/> (immutable).</summary>
    public required string Kind { get; init; }

    /// <summary><c>custom</c>, <c>github</c>, <c>slack</c>, … (immutable).</summary>
    public required string Provider { get; init; }

    /// <summary>Display name, 1–255 characters.</summary>
    public required string Name { get; init; }

    /// <summary>One of <see cref="SourceIngestionMode"/>.</summary>
    public string IngestionMode { get; init; } = SourceIngestionMode.Manual;

    /// <summary>One of <see cref="SourceStatus"/>.</summary>
    public string Status { get; init; } = SourceStatus.Active;

    /// <summary>Why it was archived (<see cref="ArchiveReason"/>), when it is.</summary>
    public string? ArchivedReason { get; init; }

    /// <summary>The end user an ephemeral source belongs to; null until its first run binds one.</summary>
    public string? EndUserId { get; init; }

    /// <summary>The account at the provider (for example a GitHub installation id).</summary>
    public string? ExternalAccountId { get; init; }

    /// <summary>Adapter settings: a JSON object, as text.</summary>
    public string AdapterConfigJson { get; init; } = "{}";

    /// <summary>Seconds between pulls of a polling source (at least 60).</summary>
    public int? PollIntervalSeconds { get; init; }

    /// <summary>The project its content is filed under, if any.</summary>
    public string? ProjectId { get; init; }

    /// <summary>Where a realtime provider posts events (read-only on the API).</summary>
    public string? WebhookUrl { get; init; }

    /// <summary>When an adapter last synced it (read-only on the API).</summary>
    public DateTimeOffset? LastSyncAt { get; init; }

    /// <summary>Registration time.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Last activity: the latest turn of a window; registration time for a durable source.</summary>
    public required DateTimeOffset LastActiveAt { get; init; }

    /// <summary>Number of turns (always 0 for a durable source).</summary>
    public int TurnCount { get; init; }

    /// <summary>Whether it is a context window.</summary>
    public bool IsEphemeral => Kind == SourceKind.Ephemeral;

    /// <summary>Whether an explicit archive or disconnect closed it (see <see cref="SourceStatus.IsClosedExplicitly"/>).</summary>
    public bool IsClosedExplicitly => SourceStatus.IsClosedExplicitly(Status, ArchivedReason);
}

/// <summary>Filters of a source listing; null means "any".</summary>
/// <param name="Provider">Only this provider.</param>
/// <param name="Status">Only this status.</param>
/// <param name="Kind">Only this kind.</param>
/// <param name="EndUserId">Only the sources of this end user (which excludes durable sources and unbound windows).</param>
public sealed record DataSourceFilter(string? Provider = null, string? Status = null, string? Kind = null, string? EndUserId = null);

/// <summary>What <see cref="IDataSourceStore.DeleteSourceAsync"/> did.</summary>
public enum SourceDeletion
{
    /// <summary>The registration is gone.</summary>
    Deleted,

    /// <summary>The sandbox has no such source.</summary>
    NotFound,

    /// <summary>Turns, sessions or runs still refer to it; nothing was deleted (purge it instead).</summary>
    HasHistory,
}

/// <summary>Outcome of <see cref="IDataSourceStore.PurgeSourceAsync"/>.</summary>
public enum SourcePurgeOutcome
{
    /// <summary>Done; the counts say what went.</summary>
    Purged,

    /// <summary>The sandbox has no such source.</summary>
    NotFound,

    /// <summary>A run holds the window's lease; nothing was deleted.</summary>
    RunInProgress,
}

/// <summary>What the store deleted for a purge.</summary>
/// <param name="Outcome">Whether it happened.</param>
/// <param name="TurnsDeleted">Turns of the window.</param>
/// <param name="SessionsDeleted">Provider sessions bound to the window (they hold copies of its conversation).</param>
/// <param name="RunsDeleted">Run records (only when the source itself was deleted).</param>
/// <param name="SourceDeleted">Whether the registration was deleted too.</param>
public sealed record SourcePurgeResult(SourcePurgeOutcome Outcome, long TurnsDeleted, long SessionsDeleted, long RunsDeleted, bool SourceDeleted)
{
    /// <summary>A result for an outcome where nothing was deleted.</summary>
    public static SourcePurgeResult Nothing(SourcePurgeOutcome outcome) => new(outcome, 0, 0, 0, false);
}
