using Portage.Core.Storage;

namespace Portage.Core.Retrieval;

/// <summary>
/// Storage seam for retrievable content: the chunks that ingest produced, full-text ranked (SQLite FTS5 bm25 in the
/// embedded store), and each window's delivery ledger. Every call is scoped to one sandbox; conversation memory
/// (chunks with an end user) is only ever returned to a query for that same end user (rule 2).
/// </summary>
public interface IContentIndex
{
    /// <summary>
    /// The best-ranked chunks for <see cref="ContentQuery.Text"/>, best first, with the excluded canonical ids left out
    /// of the candidates (not filtered after ranking, so the next layer of the ranking comes back).
    /// </summary>
    Task<IReadOnlyList<ChunkHit>> SearchAsync(ContentQuery query, CancellationToken cancellationToken);

    /// <summary>Chunks of the sandbox by canonical id (the leaf id of a chunk, or any id on its path), for interpret and origins.</summary>
    Task<IReadOnlyList<ChunkRecord>> GetChunksAsync(string sandboxId, IReadOnlyCollection<string> canonicalIds, string? endUserId, CancellationToken cancellationToken);

    /// <summary>
    /// Records that a window's agent received these canonical ids (the delivery ledger); repeats are ignored, except of
    /// an evicted delivery, which is recorded anew.
    /// </summary>
    Task RecordDeliveriesAsync(string sandboxId, string windowId, string runId, IReadOnlyCollection<string> canonicalIds, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes a data source's chunks and, for a window, its delivery ledger, and cancels its unfinished ingest jobs
    /// (a job finishing after the purge adds nothing); returns the three counts. Idempotent.
    /// </summary>
    Task<(long Chunks, long Deliveries, long JobsCancelled)> PurgeSourceAsync(string sandboxId, string dataSourceId, CancellationToken cancellationToken);

    /// <summary>Whether the sandbox has any ingested content (conversation memory not counted).</summary>
    Task<bool> HasContentAsync(string sandboxId, CancellationToken cancellationToken);

    /// <summary>
    /// Marks the deliveries of these runs evicted: a compaction summarised their turns away, so the agent no longer has
    /// what they delivered and retrieval may deliver it again. Returns how many were marked.
    /// </summary>
    Task<int> EvictDeliveriesAsync(string sandboxId, string windowId, IReadOnlyCollection<string> runIds, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Everything the window's agent has received so far and still has (evicted deliveries left out).</summary>
    Task<IReadOnlySet<string>> GetDeliveredAsync(string sandboxId, string windowId, CancellationToken cancellationToken);

    /// <summary>
    /// A page of the window's delivery ledger as recorded, oldest first (then by canonical id, ordinal): what the console
    /// and <c>GET …/sources/{id}/deliveries</c> show. At most <paramref name="limit"/>, after <paramref name="after"/>
    /// (the last entry of the previous page: its delivery time and stored id), or from the start when null. Ids are
    /// stored as given, <see cref="Exclusions.MenuPrefix"/> included.
    /// </summary>
    Task<IReadOnlyList<DeliveryRecord>> ListDeliveriesAsync(string sandboxId, string windowId, ListCursor? after, int limit, CancellationToken cancellationToken);
}

/// <summary>One entry of a window's delivery ledger.</summary>
/// <param name="CanonicalId">What was delivered, as recorded (a menu label carries <see cref="Exclusions.MenuPrefix"/>).</param>
/// <param name="RunId">The run that delivered it.</param>
/// <param name="DeliveredAt">When it was first delivered (a repeat is never recorded).</param>
/// <param name="EvictedAt">When a compaction summarised its run's turns away, or null while the agent still has it.</param>
public sealed record DeliveryRecord(string CanonicalId, string? RunId, DateTimeOffset DeliveredAt, DateTimeOffset? EvictedAt = null);

/// <summary>A ranked full-text query.</summary>
/// <param name="SandboxId">The sandbox searched.</param>
/// <param name="Text">The query text (free text; the index turns it into its own query syntax safely).</param>
/// <param name="ProjectId">Only chunks of this project, when set.</param>
/// <param name="EndUserId">Also search this end user's conversation memory; null searches no conversation memory.</param>
/// <param name="Excluded">Canonical ids (leaf chunk ids) never to return.</param>
/// <param name="Limit">Most hits returned.</param>
public sealed record ContentQuery(string SandboxId, string Text, string? ProjectId, string? EndUserId, IReadOnlySet<string> Excluded, int Limit)
{
    /// <summary>
    /// A window whose own conversation is left out: inside a run those turns are already in the agent's context, so
    /// they are never delivered back to it (other windows of the same end user are memory worth finding).
    /// </summary>
    public string? ExcludedConversation { get; init; }
}

/// <summary>A chunk and its rank (higher is better, normalised to 0–1 across the hits of one query).</summary>
public sealed record ChunkHit(ChunkRecord Chunk, double Score);

/// <summary>One retrievable piece of ingested content.</summary>
/// <param name="Id">The chunk's canonical id (stable: derived from sandbox, source, path and content hash).</param>
/// <param name="SandboxId">Owner sandbox.</param>
/// <param name="DataSourceId">The data source it was ingested into, if any.</param>
/// <param name="ProjectId">The project, if any.</param>
/// <param name="EndUserId">Set only for conversation memory: visible to this end user only.</param>
/// <param name="CanonicalPath">Root → leaf canonical ids, e.g. <c>file:docs/guide.md</c>, <c>section:…#install</c>, then <see cref="Id"/>.</param>
/// <param name="Breadcrumb">Human path: <c>guide.md › Install › Linux</c>.</param>
/// <param name="FilePath">Source file, when ingested from one.</param>
/// <param name="SourceType">Advisory content type: text, markdown, code, conversation, …</param>
/// <param name="Content">The chunk text.</param>
/// <param name="ContentHash">SHA-256 (hex) of the content: identical content is indexed once per sandbox and source.</param>
/// <param name="TokenEstimate">Approximate tokens.</param>
/// <param name="JobId">The ingest job that produced it.</param>
/// <param name="CreatedAt">When it was indexed.</param>
public sealed record ChunkRecord(
    string Id,
    string SandboxId,
    string? DataSourceId,
    string? ProjectId,
    string? EndUserId,
    IReadOnlyList<string> CanonicalPath,
    string Breadcrumb,
    string? FilePath,
    string SourceType,
    string Content,
    string ContentHash,
    int TokenEstimate,
    string JobId,
    DateTimeOffset CreatedAt);
