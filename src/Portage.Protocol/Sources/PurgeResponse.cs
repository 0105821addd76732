using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portage.Protocol.Sources;

/// <summary>
/// Answer of <c>POST …/sources/{id}/purge</c>: copass-compat §7.2's fields (<c>success</c>, <c>delete_source_applied</c>
/// and its twelve counts), then Portage's own counts as top-level extras named <c>…_deleted</c> (<c>turns_deleted</c>,
/// <c>sessions_deleted</c>, <c>runs_deleted</c>, and whatever the content index reports, such as <c>chunks_deleted</c>).
/// Portage has no graph, triggers, webhooks, projects, strategies, pulls or vault: those counts are always 0.
/// </summary>
public sealed record PurgeResponse
{
    /// <summary>Whether the purge happened.</summary>
    public bool Success { get; init; }

    /// <summary>Whether the registration was deleted too.</summary>
    public bool DeleteSourceApplied { get; init; }

    /// <summary>Events deleted: in Portage, a window's turns (each one a conversation event, as Copass ingests a turn).</summary>
    public long EventsDeleted { get; init; }

    /// <summary>Extractions deleted: in Portage, indexed chunks (what <c>origins</c> counts as extractions).</summary>
    public long ExtractionsDeleted { get; init; }

    /// <summary>Always 0 on Portage (no canonical entity index).</summary>
    public long CanonicalIndexRowsDeleted { get; init; }

    /// <summary>Always 0 on Portage (no entity vectors).</summary>
    public long EntityVectorsDeleted { get; init; }

    /// <summary>Always 0 on Portage (no triggers).</summary>
    public long TriggersDeleted { get; init; }

    /// <summary>Always 0 on Portage (no webhooks).</summary>
    public long WebhooksDeleted { get; init; }

    /// <summary>Always 0 on Portage (no webhook de-duplication rows).</summary>
    public long EventSeenDeleted { get; init; }

    /// <summary>Always 0 on Portage (no projects).</summary>
    public long ProjectLinksDeleted { get; init; }

    /// <summary>Always 0 on Portage (no extraction strategies).</summary>
    public long StrategyArtifactsDeleted { get; init; }

    /// <summary>Always 0 on Portage (no adapter pulls).</summary>
    public long PullArtifactsDeleted { get; init; }

    /// <summary>Always 0 on Portage (no user strategies).</summary>
    public long UserStrategiesDeleted { get; init; }

    /// <summary>Always 0 on Portage (no vault).</summary>
    public long VaultObjectsDeleted { get; init; }

    /// <summary>Portage's own counts, written as top-level fields; read one with <see cref="Deleted"/>.</summary>
    /// <remarks>Settable rather than init-only: System.Text.Json cannot bind extension data through an initializer.</remarks>
    [JsonExtensionData]
    public Dictionary<string, JsonElement> Counts { get; set; } = [];

    /// <summary>
    /// A count by its wire name, Portage's (<c>turns_deleted</c>) or the contract's (<c>events_deleted</c>); 0 when the
    /// server did not report it.
    /// </summary>
    public long Deleted(string name) =>
        Counts.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count) ? count : name switch
        {
            "events_deleted" => EventsDeleted,
            "extractions_deleted" => ExtractionsDeleted,
            "canonical_index_rows_deleted" => CanonicalIndexRowsDeleted,
            "entity_vectors_deleted" => EntityVectorsDeleted,
            "triggers_deleted" => TriggersDeleted,
            "webhooks_deleted" => WebhooksDeleted,
            "event_seen_deleted" => EventSeenDeleted,
            "project_links_deleted" => ProjectLinksDeleted,
            "strategy_artifacts_deleted" => StrategyArtifactsDeleted,
            "pull_artifacts_deleted" => PullArtifactsDeleted,
            "user_strategies_deleted" => UserStrategiesDeleted,
            "vault_objects_deleted" => VaultObjectsDeleted,
            _ => 0,
        };
}
