namespace Portage.Core.Retrieval;

/// <summary>
/// One item of a window's delivery ledger as people read it: a discover menu label (the agent saw its summary) or
/// content (interpret or search put the chunk's text in front of the agent), with the chunk when it is still indexed.
/// </summary>
/// <param name="CanonicalId">The chunk's canonical id (without <see cref="Exclusions.MenuPrefix"/>).</param>
/// <param name="IsMenu">True for a menu label, false for delivered content.</param>
/// <param name="RunId">The run that delivered it.</param>
/// <param name="DeliveredAt">When.</param>
/// <param name="Chunk">The chunk, or null when it was purged since.</param>
/// <param name="EvictedAt">When a compaction summarised the delivering run away (it may be delivered again), or null.</param>
public sealed record LedgerEntry(string CanonicalId, bool IsMenu, string? RunId, DateTimeOffset DeliveredAt, ChunkRecord? Chunk, DateTimeOffset? EvictedAt = null)
{
    /// <summary>The id as the ledger stores it (a menu label's with its prefix): with the time, a position in the ledger.</summary>
    public string StoredId => IsMenu ? Exclusions.MenuPrefix + CanonicalId : CanonicalId;
}
