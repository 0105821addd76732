using System.Text.Json.Serialization;

namespace Portage.Protocol.Sources;

/// <summary>
/// One item of a context window's delivery ledger, as returned by <c>GET …/sources/{id}/deliveries</c> (Portage
/// extension): what retrieval already gave the window's agent, so it is never delivered again.
/// </summary>
public sealed record WindowDelivery
{
    /// <summary>The chunk's canonical id.</summary>
    public required string CanonicalId { get; init; }

    /// <summary>
    /// <c>menu</c>: a discover label the agent was shown (not the content); <c>content</c>: the chunk's text reached the
    /// agent through interpret or search.
    /// </summary>
    public required string Kind { get; init; }

    /// <summary>The run that delivered it.</summary>
    public string? RunId { get; init; }

    /// <summary>When it was delivered.</summary>
    public required DateTimeOffset DeliveredAt { get; init; }

    /// <summary>The chunk's breadcrumb (<c>guide.md › Install › Linux</c>); null when the chunk was purged since.</summary>
    public string? Summary { get; init; }

    /// <summary>The file it came from, when ingested from one.</summary>
    public string? FilePath { get; init; }

    /// <summary>The data source it was ingested into (another window, for conversation memory), if any.</summary>
    public string? DataSourceId { get; init; }

    /// <summary>Advisory content type: <c>markdown</c>, <c>code</c>, <c>conversation</c>, …</summary>
    public string? SourceType { get; init; }

    /// <summary>
    /// When a compaction summarised the delivering run's turns away; from then on retrieval may deliver the item again.
    /// Absent while the agent still has it.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? EvictedAt { get; init; }
}

/// <summary>
/// Answer of <c>GET …/sources/{id}/deliveries</c>: a page of the ledger, oldest first (<c>limit</c>, 100 by default).
/// <see cref="Count"/> counts this page's entries.
/// </summary>
public sealed record WindowDeliveryList(string ContextWindowId, string? EndUserId, IReadOnlyList<WindowDelivery> Deliveries, int Count)
{
    /// <summary>Pass it back as <c>cursor</c> for the next page; null on the last page.</summary>
    public string? NextCursor { get; init; }
}
