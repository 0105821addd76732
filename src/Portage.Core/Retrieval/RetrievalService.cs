using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Portage.Core.Errors;
using Portage.Core.Storage;
using Portage.Core.Telemetry;
using Portage.Protocol.Retrieval;

namespace Portage.Core.Retrieval;

/// <summary>
/// Window-aware retrieval (copass-compat §6): discover (a menu of labels), interpret (a brief on chosen items), search
/// (an answer) and origins (files behind ids). What the agent already has — named in its history, contained in it, or
/// recorded in its window's delivery ledger — is excluded from the candidates, so a repeated question walks down the
/// ranking and an exhausted topic returns nothing.
/// </summary>
public sealed class RetrievalService(IContentIndex index, BriefWriter writer, TimeProvider time, IOptions<RetrievalOptions> options)
{
    /// <summary>Longest accepted query (copass-compat §6.2).</summary>
    public const int MaxQueryLength = 5000;

    /// <summary>The most items one interpret call takes.</summary>
    public const int MaxItems = 100;

    /// <summary>discover: the next items the agent has not seen, best first.</summary>
    public async Task<DiscoverResponse> DiscoverAsync(RetrievalScope scope, string? query, IReadOnlyList<HistoryMessage>? history, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        using var span = StartSpan("discover", scope);
        var text = ValidQuery(query);
        var delivered = await DeliveredAsync(scope, cancellationToken);
        var excluded = await ExcludedAsync(scope, text, history, delivered.Content.Concat(delivered.Menu), cancellationToken);
        var hits = await index.SearchAsync(new ContentQuery(scope.SandboxId, text, scope.ProjectId, scope.EndUserId, excluded, options.Value.DiscoverItems) { ExcludedConversation = scope.WindowId }, cancellationToken);
        var items = hits.Select(h => new DiscoveryItem(ItemId(h.Chunk.Id), Math.Round(h.Score, 4), h.Chunk.Breadcrumb, h.Chunk.CanonicalPath,
            h.Chunk.FilePath is null ? [] : [h.Chunk.FilePath])).ToList();
        await RecordAsync(scope, hits.Select(h => Exclusions.MenuPrefix + h.Chunk.Id), cancellationToken);

        var header = items.Count == 0
            ? "## Discover: nothing new\nEverything in this sandbox that matches was already delivered in this conversation, or nothing matches. Rephrase, or answer from what you have."
            : "## Discover: Relevant Context\nThese items are labels, not content. Call `interpret` with an item's `canonical_ids` for a brief on it, or use `search` for a synthesized answer. Items already delivered in this conversation are left out.";
        return new DiscoverResponse(header, items, items.Count, scope.SandboxId, scope.ProjectId, text,
            items.Count == 0 ? "Nothing left to explore on this topic." : "Call `interpret` with any canonical_ids tuple above for a deeper brief, or `discover` again for more items.");
    }

    /// <summary>interpret: a brief about the chosen items, with related context the agent has not read yet.</summary>
    public async Task<InterpretResponse> InterpretAsync(
        RetrievalScope scope, string? query, IReadOnlyList<IReadOnlyList<string>>? items, IReadOnlyList<HistoryMessage>? history, int? maxTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        using var span = StartSpan("interpret", scope);
        var text = ValidQuery(query);
        // Bounded like origins' canonical_ids: each item loads a chunk, and a body of ids could otherwise name thousands.
        if (items is null || items.Count is 0 or > MaxItems || items.Any(t => t is null || t.Count == 0 || t.Any(string.IsNullOrWhiteSpace)))
        {
            throw PortageException.BadRequest("invalid_items",
                $"items is required: 1–{MaxItems} tuples of canonical ids (each tuple the canonical_ids of one discover item).");
        }

        ValidMaxTokens(maxTokens, 100, 16000);
        var chosen = await index.GetChunksAsync(scope.SandboxId, [.. items.Select(t => t[^1]).Distinct(StringComparer.Ordinal)], scope.EndUserId, cancellationToken);
        var delivered = await DeliveredAsync(scope, cancellationToken);
        var excluded = await ExcludedAsync(scope, text, history, delivered.Content.Concat(chosen.Select(c => c.Id)), cancellationToken);
        var related = await index.SearchAsync(new ContentQuery(scope.SandboxId, text, scope.ProjectId, scope.EndUserId, excluded,
            Math.Max(0, options.Value.ContextChunks - chosen.Count)) { ExcludedConversation = scope.WindowId }, cancellationToken);
        var chunks = chosen.Concat(related.Select(h => h.Chunk)).ToList();
        var (brief, synthesis, _) = await writer.WriteAsync(text, chunks, maxTokens, detailed: false, cancellationToken);
        await RecordAsync(scope, chunks.Select(c => c.Id), cancellationToken);
        return new InterpretResponse(brief, Cite(chunks, related), items, scope.SandboxId, scope.ProjectId, text) { Synthesis = synthesis };
    }

    /// <summary>search: an answer written from the best chunks the agent does not have yet.</summary>
    public async Task<SearchResponse> SearchAsync(
        RetrievalScope scope, string? query, IReadOnlyList<HistoryMessage>? history, string? preset, int? maxTokens, string? detailLevel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        using var span = StartSpan("search", scope);
        var started = Stopwatch.GetTimestamp();
        var text = ValidQuery(query);
        ValidMaxTokens(maxTokens, 1, 16000);
        if (detailLevel is not (null or "concise" or "detailed"))
        {
            throw PortageException.BadRequest("invalid_detail_level", "detail_level is 'concise' or 'detailed'.");
        }

        var delivered = await DeliveredAsync(scope, cancellationToken);
        var excluded = await ExcludedAsync(scope, text, history, delivered.Content, cancellationToken);
        var hits = await index.SearchAsync(new ContentQuery(scope.SandboxId, text, scope.ProjectId, scope.EndUserId, excluded, options.Value.ContextChunks) { ExcludedConversation = scope.WindowId }, cancellationToken);
        var chunks = hits.Select(h => h.Chunk).ToList();
        var (answer, synthesis, warnings) = await writer.WriteAsync(text, chunks, maxTokens, detailLevel == "detailed", cancellationToken);
        await RecordAsync(scope, chunks.Select(c => c.Id), cancellationToken);
        var elapsed = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return new SearchResponse(answer, preset ?? "copass/copass_1.0", elapsed, warnings, scope.SandboxId, scope.ProjectId, text)
        {
            Citations = Cite(chunks, hits),
            Synthesis = synthesis,
        };
    }

    /// <summary>origins: the files behind each canonical id, in request order (never window-aware).</summary>
    public async Task<OriginsResponse> OriginsAsync(RetrievalScope scope, IReadOnlyList<string>? canonicalIds, int? limitPerCanonical, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        using var span = StartSpan("origins", scope);
        if (canonicalIds is null || canonicalIds.Count is 0 or > 100 || canonicalIds.Any(string.IsNullOrWhiteSpace))
        {
            throw PortageException.BadRequest("invalid_canonical_ids", "canonical_ids is required: 1–100 non-empty canonical ids.");
        }

        var limit = limitPerCanonical ?? 10;
        if (limit is < 1 or > 50)
        {
            throw PortageException.BadRequest("invalid_limit_per_canonical", "limit_per_canonical is 1–50 (default 10).");
        }

        var chunks = await index.GetChunksAsync(scope.SandboxId, [.. canonicalIds.Distinct(StringComparer.Ordinal)], scope.EndUserId, cancellationToken);
        var origins = canonicalIds.Select(id => new Origin(id, [.. chunks
            .Where(c => c.FilePath is not null && (c.Id == id || c.CanonicalPath.Contains(id, StringComparer.Ordinal)))
            .GroupBy(c => c.FilePath!, StringComparer.Ordinal)
            .Select(g => new OriginFile(g.Key, g.Count()))
            .OrderByDescending(f => f.ExtractionCount).ThenBy(f => f.FilePath, StringComparer.Ordinal)
            .Take(limit)])).ToList();
        return new OriginsResponse(scope.SandboxId, origins);
    }

    /// <summary>
    /// A page of a window's delivery ledger, oldest first, each entry with its chunk as <paramref name="endUserId"/> (the
    /// window's owner) may see it: at most <paramref name="limit"/> entries, after <paramref name="after"/> (the previous
    /// page's last entry: its time and <see cref="LedgerEntry.StoredId"/>) when given. The caller checks that the window
    /// exists in the sandbox.
    /// </summary>
    public async Task<IReadOnlyList<LedgerEntry>> LedgerAsync(
        string sandboxId, string windowId, string? endUserId, ListCursor? after, int limit, CancellationToken cancellationToken)
    {
        var ledger = await index.ListDeliveriesAsync(sandboxId, windowId, after, limit, cancellationToken);
        var ids = ledger.Select(d => Unprefixed(d.CanonicalId).Id).Distinct(StringComparer.Ordinal).ToList();
        var chunks = (await index.GetChunksAsync(sandboxId, ids, endUserId, cancellationToken)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        return [.. ledger.Select(d =>
        {
            var (id, menu) = Unprefixed(d.CanonicalId);
            return new LedgerEntry(id, menu, d.RunId, d.DeliveredAt, chunks.GetValueOrDefault(id), d.EvictedAt);
        })];
    }

    private static (string Id, bool IsMenu) Unprefixed(string ledgerId) => ledgerId.StartsWith(Exclusions.MenuPrefix, StringComparison.Ordinal)
        ? (ledgerId[Exclusions.MenuPrefix.Length..], true)
        : (ledgerId, false);

    // A child of the run span when a run's tool or prefetch asks; a root span (or the HTTP request's child) otherwise.
    private static Activity? StartSpan(string operation, RetrievalScope scope)
    {
        var span = PortageTelemetry.Source.StartActivity($"retrieval {operation}");
        span?.SetTag("portage.retrieval.operation", operation);
        span?.SetTag("portage.sandbox.id", scope.SandboxId);
        span?.SetTag("portage.window.id", scope.WindowId);
        span?.SetTag("portage.run.id", scope.RunId);
        return span;
    }

    private async Task<(IReadOnlyCollection<string> Content, IReadOnlyCollection<string> Menu)> DeliveredAsync(RetrievalScope scope, CancellationToken cancellationToken)
    {
        if (scope.WindowId is null)
        {
            return ([], []);
        }

        var ledger = (await index.GetDeliveredAsync(scope.SandboxId, scope.WindowId, cancellationToken)).Select(Unprefixed).ToList();
        return ([.. ledger.Where(e => !e.IsMenu).Select(e => e.Id)], [.. ledger.Where(e => e.IsMenu).Select(e => e.Id)]);
    }

    // The ids named in the history or the ledger, plus the candidates whose text the history already holds.
    private async Task<IReadOnlySet<string>> ExcludedAsync(
        RetrievalScope scope, string query, IReadOnlyList<HistoryMessage>? history, IEnumerable<string> alreadyDelivered, CancellationToken cancellationToken)
    {
        var excluded = alreadyDelivered.ToHashSet(StringComparer.Ordinal);
        var turns = (history ?? []).Where(h => !string.IsNullOrWhiteSpace(h?.Content)).TakeLast(options.Value.HistoryTurns).ToList();
        if (turns.Count == 0)
        {
            return excluded;
        }

        var historyText = string.Join("\n", turns.Select(t => t.Content));
        excluded.UnionWith(Exclusions.IdsIn(historyText));
        var normalized = Exclusions.Normalize(historyText);
        var pool = await index.SearchAsync(new ContentQuery(scope.SandboxId, query, scope.ProjectId, scope.EndUserId, excluded, 50) { ExcludedConversation = scope.WindowId }, cancellationToken);
        excluded.UnionWith(pool.Where(h => Exclusions.Contains(normalized, h.Chunk)).Select(h => h.Chunk.Id));
        return excluded;
    }

    private async Task RecordAsync(RetrievalScope scope, IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var list = ids.ToList();
        if (scope.WindowId is not null && scope.RunId is not null && list.Count > 0)
        {
            await index.RecordDeliveriesAsync(scope.SandboxId, scope.WindowId, scope.RunId, list, time.GetUtcNow(), cancellationToken);
        }
    }

    private static List<Citation> Cite(IReadOnlyList<ChunkRecord> chunks, IReadOnlyList<ChunkHit> hits) =>
        [.. chunks.Select(c => new Citation(c.Id, c.Breadcrumb, Math.Round(hits.FirstOrDefault(h => h.Chunk.Id == c.Id)?.Score ?? 1.0, 4)))];

    private static string ItemId(string canonicalId) =>
        "item_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalId)))[..8];

    private static string ValidQuery(string? query) =>
        string.IsNullOrWhiteSpace(query) || query.Length > MaxQueryLength
            ? throw PortageException.BadRequest("invalid_query", $"query is required: 1–{MaxQueryLength} characters.")
            : query.Trim();

    private static void ValidMaxTokens(int? maxTokens, int min, int max)
    {
        if (maxTokens is { } value && (value < min || value > max))
        {
            throw PortageException.BadRequest("invalid_max_tokens", $"max_tokens is {min}–{max}, or omitted for the default.");
        }
    }
}
