using System.Globalization;
using System.Runtime.CompilerServices;
using Portage.Protocol;
using Portage.Protocol.Sources;

namespace Portage.Client;

/// <summary>
/// <c>/api/v1/storage/sandboxes/{sandbox_id}/sources</c>: data sources of a sandbox. A context window is a data
/// source with <c>kind: ephemeral</c>; its id is the <c>context_window_id</c> of a run.
/// </summary>
public sealed class DataSourcesResource
{
    private readonly RouterConnection _connection;

    internal DataSourcesResource(RouterConnection connection) => _connection = connection;

    /// <summary>
    /// Registers a data source (<c>POST …/sources</c>). With <c>Kind = "ephemeral"</c> it is a context window, usable at
    /// once as the <c>context_window_id</c> of a run (what a Copass <c>contextWindow.create</c> does).
    /// </summary>
    public Task<DataSource> RegisterAsync(
        string sandboxId, RegisterDataSourceRequest request, CancellationToken cancellationToken = default) =>
        _connection.SendBodyAsync(
            "dataSources.register", HttpMethod.Post, Paths.Sources(sandboxId), request, ProtocolJson.Default.DataSource, cancellationToken);

    /// <summary>
    /// Changes the non-null fields of a data source (<c>PATCH …/sources/{id}</c>). <c>AdapterConfig</c> replaces the
    /// adapter settings, or with <paramref name="mergeAdapterConfig"/> is deep-merged into them (a null value removes its key).
    /// </summary>
    /// <param name="sandboxId">The sandbox.</param>
    /// <param name="dataSourceId">The source.</param>
    /// <param name="request">The fields to change.</param>
    /// <param name="mergeAdapterConfig">Sends <c>?merge_adapter_config=true</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<DataSource> UpdateAsync(
        string sandboxId, string dataSourceId, UpdateDataSourceRequest request, bool mergeAdapterConfig = false,
        CancellationToken cancellationToken = default) =>
        _connection.SendBodyAsync(
            "dataSources.update", HttpMethod.Patch,
            Paths.Query(Paths.Source(sandboxId, dataSourceId), ("merge_adapter_config", mergeAdapterConfig ? "true" : null)),
            request, ProtocolJson.Default.DataSource, cancellationToken);

    /// <summary>Pauses a data source (<c>POST …/sources/{id}/pause</c>); runs refuse a paused context window until it is resumed.</summary>
    public Task<StatusResponse> PauseAsync(
        string sandboxId, string dataSourceId, CancellationToken cancellationToken = default) =>
        StatusActionAsync("pause", sandboxId, dataSourceId, cancellationToken);

    /// <summary>Resumes a paused data source (<c>POST …/sources/{id}/resume</c>); archived or disconnected ones answer 409.</summary>
    public Task<StatusResponse> ResumeAsync(
        string sandboxId, string dataSourceId, CancellationToken cancellationToken = default) =>
        StatusActionAsync("resume", sandboxId, dataSourceId, cancellationToken);

    /// <summary>
    /// Deletes a data source's registration only (<c>DELETE …/sources/{id}</c>); content ingested through it stays. A
    /// context window with turns answers 409: use <see cref="PurgeAsync"/> with <c>deleteSource: true</c>.
    /// </summary>
    public Task<StatusResponse> DeleteAsync(
        string sandboxId, string dataSourceId, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "dataSources.delete", HttpMethod.Delete, Paths.Source(sandboxId, dataSourceId),
            ProtocolJson.Default.StatusResponse, content: null, cancellationToken);

    /// <summary>
    /// Deletes a data source's content (<c>POST …/sources/{id}/purge</c>): a window's turns and sessions, its indexed
    /// chunks, and with <paramref name="deleteSource"/> the registration too. The answer counts what went.
    /// </summary>
    public Task<PurgeResponse> PurgeAsync(
        string sandboxId, string dataSourceId, bool deleteSource = false, CancellationToken cancellationToken = default) =>
        _connection.SendBodyAsync(
            "dataSources.purge", HttpMethod.Post, $"{Paths.Source(sandboxId, dataSourceId)}/purge",
            new PurgeDataSourceRequest { DeleteSource = deleteSource }, ProtocolJson.Default.PurgeResponse, cancellationToken);

    /// <summary>
    /// Compacts a context window now (<c>POST …/sources/{window_id}/compact</c>, Portage extension): the turns before the
    /// newest exchanges are summarised into a <c>compaction</c> turn that later runs read instead of them (the turns
    /// stay in the window). Without <paramref name="request"/>, the router's <c>Compaction</c> settings decide.
    /// </summary>
    public Task<CompactWindowResponse> CompactAsync(
        string sandboxId, string windowId, CompactWindowRequest? request = null, CancellationToken cancellationToken = default) =>
        _connection.SendBodyAsync(
            "dataSources.compact", HttpMethod.Post, $"{Paths.Source(sandboxId, windowId)}/compact",
            request ?? new CompactWindowRequest(), ProtocolJson.Default.CompactWindowResponse, cancellationToken);

    /// <summary>
    /// Archives a data source at once (<c>POST …/sources/{id}/archive</c>); idempotent. An archived context window
    /// keeps its turns but is never continued implicitly again.
    /// </summary>
    public Task<StatusResponse> ArchiveAsync(
        string sandboxId, string dataSourceId, CancellationToken cancellationToken = default) =>
        StatusActionAsync("archive", sandboxId, dataSourceId, cancellationToken);

    /// <summary>Disconnects a data source (<c>POST …/sources/{id}/disconnect</c>); for a context window, the same as archive.</summary>
    public Task<StatusResponse> DisconnectAsync(
        string sandboxId, string dataSourceId, CancellationToken cancellationToken = default) =>
        StatusActionAsync("disconnect", sandboxId, dataSourceId, cancellationToken);

    /// <summary>Gets one data source (<c>GET …/sources/{id}</c>).</summary>
    public Task<DataSource> GetAsync(
        string sandboxId, string dataSourceId, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "dataSources.get", HttpMethod.Get, Paths.Source(sandboxId, dataSourceId),
            ProtocolJson.Default.DataSource, content: null, cancellationToken);

    /// <summary>
    /// Lists every matching data source (<c>GET …/sources?kind=…&amp;end_user_id=…&amp;provider=…&amp;status=…</c>), newest
    /// activity first, following the pages to the end; <see cref="ListPageAsync"/> reads one page.
    /// </summary>
    /// <param name="sandboxId">The sandbox.</param>
    /// <param name="kind"><c>ephemeral</c> for context windows, <c>durable</c> for the rest, null for all.</param>
    /// <param name="endUserId">Only the windows of this end user.</param>
    /// <param name="provider">Only sources of this provider (<c>custom</c>, <c>github</c>, …).</param>
    /// <param name="status">Only sources with this status (<c>active</c>, <c>paused</c>, <c>disconnected</c>, <c>error</c>, <c>archived</c>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<DataSourceList> ListAsync(
        string sandboxId, string? kind = null, string? endUserId = null, string? provider = null, string? status = null,
        CancellationToken cancellationToken = default)
    {
        var page = await ListPageAsync(sandboxId, kind, endUserId, provider, status, null, null, cancellationToken).ConfigureAwait(false);
        var sources = page.Sources.ToList();
        while (page.NextCursor is { } cursor)
        {
            page = await ListPageAsync(sandboxId, kind, endUserId, provider, status, null, cursor, cancellationToken).ConfigureAwait(false);
            sources.AddRange(page.Sources);
        }

        return new DataSourceList(sources, sources.Count);
    }

    /// <summary>
    /// One page of data sources, newest activity first (<c>GET …/sources?…&amp;limit=&amp;cursor=</c>); pass
    /// <see cref="DataSourceList.NextCursor"/> back as <paramref name="cursor"/> while it is not null.
    /// </summary>
    /// <param name="sandboxId">The sandbox.</param>
    /// <param name="kind"><c>ephemeral</c> for context windows, <c>durable</c> for the rest, null for all.</param>
    /// <param name="endUserId">Only the windows of this end user.</param>
    /// <param name="provider">Only sources of this provider.</param>
    /// <param name="status">Only sources with this status.</param>
    /// <param name="limit">Sources per page, 1–500 (server default 100).</param>
    /// <param name="cursor">The previous page's <c>next_cursor</c>; null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<DataSourceList> ListPageAsync(
        string sandboxId, string? kind = null, string? endUserId = null, string? provider = null, string? status = null,
        int? limit = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "dataSources.list", HttpMethod.Get,
            Paths.Query(Paths.Sources(sandboxId), ("kind", kind), ("end_user_id", endUserId), ("provider", provider), ("status", status),
                ("limit", limit?.ToString(CultureInfo.InvariantCulture)), ("cursor", cursor)),
            ProtocolJson.Default.DataSourceList, content: null, cancellationToken);

    /// <summary>
    /// Reads every turn of a context window in order (<c>GET …/sources/{id}/turns</c>, Portage extension), following
    /// the pages to the end; the answer holds them all. For a long window, read it page by page with
    /// <see cref="GetTurnsPageAsync"/> or <see cref="EnumerateTurnsAsync"/> instead.
    /// </summary>
    /// <param name="sandboxId">The sandbox.</param>
    /// <param name="contextWindowId">The window (a <c>context_window_id</c>).</param>
    /// <param name="endUserId">When given, a window of another end user answers 404.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<WindowTurnList> GetTurnsAsync(
        string sandboxId, string contextWindowId, string? endUserId = null, CancellationToken cancellationToken = default)
    {
        var page = await GetTurnsPageAsync(sandboxId, contextWindowId, endUserId, 0, null, cancellationToken).ConfigureAwait(false);
        if (!page.HasMore)
        {
            return page;
        }

        var turns = page.Turns.ToList();
        while (page.NextAfterSeq is { } after)
        {
            page = await GetTurnsPageAsync(sandboxId, contextWindowId, endUserId, after, null, cancellationToken).ConfigureAwait(false);
            turns.AddRange(page.Turns);
        }

        return new WindowTurnList(page.ContextWindowId, page.EndUserId, turns, turns.Count);
    }

    /// <summary>
    /// Reads one page of a context window's turns (<c>GET …/sources/{id}/turns?after_seq=&amp;limit=</c>): the turns after
    /// <paramref name="afterSeq"/> in order, at most <paramref name="limit"/> and at most 4 MiB of them (always one).
    /// Pass the answer's <see cref="WindowTurnList.NextAfterSeq"/> back as <paramref name="afterSeq"/> while
    /// <see cref="WindowTurnList.HasMore"/> is true.
    /// </summary>
    /// <param name="sandboxId">The sandbox.</param>
    /// <param name="contextWindowId">The window (a <c>context_window_id</c>).</param>
    /// <param name="endUserId">When given, a window of another end user answers 404.</param>
    /// <param name="afterSeq">The seq to read after; 0 from the first turn.</param>
    /// <param name="limit">Turns per page, 1–500 (server default 100).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<WindowTurnList> GetTurnsPageAsync(
        string sandboxId, string contextWindowId, string? endUserId = null, long afterSeq = 0, int? limit = null,
        CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "dataSources.turns", HttpMethod.Get,
            Paths.Query($"{Paths.Source(sandboxId, contextWindowId)}/turns", ("end_user_id", endUserId),
                ("after_seq", afterSeq == 0 ? null : afterSeq.ToString(CultureInfo.InvariantCulture)),
                ("limit", limit?.ToString(CultureInfo.InvariantCulture))),
            ProtocolJson.Default.WindowTurnList, content: null, cancellationToken);

    /// <summary>
    /// Every turn of a context window in order, read a page at a time as the enumeration goes, so a window of any
    /// length is never held whole.
    /// </summary>
    /// <param name="sandboxId">The sandbox.</param>
    /// <param name="contextWindowId">The window (a <c>context_window_id</c>).</param>
    /// <param name="endUserId">When given, a window of another end user answers 404.</param>
    /// <param name="afterSeq">The seq to start after; 0 from the first turn.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    public async IAsyncEnumerable<WindowTurn> EnumerateTurnsAsync(
        string sandboxId, string contextWindowId, string? endUserId = null, long afterSeq = 0,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long? after = afterSeq;
        while (after is { } from)
        {
            var page = await GetTurnsPageAsync(sandboxId, contextWindowId, endUserId, from, null, cancellationToken).ConfigureAwait(false);
            foreach (var turn in page.Turns)
            {
                yield return turn;
            }

            after = page.HasMore ? page.NextAfterSeq : null;
        }
    }

    /// <summary>
    /// Reads a context window's whole delivery ledger, oldest first (<c>GET …/sources/{id}/deliveries</c>, Portage
    /// extension), following the pages to the end: the discover labels (<c>kind: menu</c>) and content
    /// (<c>kind: content</c>) retrieval already gave its agent. <see cref="GetDeliveriesPageAsync"/> reads one page.
    /// </summary>
    /// <param name="sandboxId">The sandbox.</param>
    /// <param name="contextWindowId">The window (a <c>context_window_id</c>).</param>
    /// <param name="endUserId">When given, a window of another end user answers 404.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<WindowDeliveryList> GetDeliveriesAsync(
        string sandboxId, string contextWindowId, string? endUserId = null, CancellationToken cancellationToken = default)
    {
        var page = await GetDeliveriesPageAsync(sandboxId, contextWindowId, endUserId, null, null, cancellationToken).ConfigureAwait(false);
        var deliveries = page.Deliveries.ToList();
        while (page.NextCursor is { } cursor)
        {
            page = await GetDeliveriesPageAsync(sandboxId, contextWindowId, endUserId, null, cursor, cancellationToken).ConfigureAwait(false);
            deliveries.AddRange(page.Deliveries);
        }

        return new WindowDeliveryList(page.ContextWindowId, page.EndUserId, deliveries, deliveries.Count);
    }

    /// <summary>
    /// One page of a context window's delivery ledger, oldest first (<c>GET …/sources/{id}/deliveries?limit=&amp;cursor=</c>);
    /// pass <see cref="WindowDeliveryList.NextCursor"/> back as <paramref name="cursor"/> while it is not null.
    /// </summary>
    /// <param name="sandboxId">The sandbox.</param>
    /// <param name="contextWindowId">The window (a <c>context_window_id</c>).</param>
    /// <param name="endUserId">When given, a window of another end user answers 404.</param>
    /// <param name="limit">Entries per page, 1–500 (server default 100).</param>
    /// <param name="cursor">The previous page's <c>next_cursor</c>; null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<WindowDeliveryList> GetDeliveriesPageAsync(
        string sandboxId, string contextWindowId, string? endUserId = null, int? limit = null, string? cursor = null,
        CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "dataSources.deliveries", HttpMethod.Get,
            Paths.Query($"{Paths.Source(sandboxId, contextWindowId)}/deliveries", ("end_user_id", endUserId),
                ("limit", limit?.ToString(CultureInfo.InvariantCulture)), ("cursor", cursor)),
            ProtocolJson.Default.WindowDeliveryList, content: null, cancellationToken);

    /// <summary>
    /// Archives every context window inactive for at least <paramref name="inactivitySeconds"/>
    /// (<c>POST …/sources/_sweep_ephemeral?inactivity_seconds=N</c>).
    /// </summary>
    public Task<SweepResponse> SweepEphemeralAsync(
        string sandboxId, long inactivitySeconds, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "dataSources.sweepEphemeral", HttpMethod.Post,
            Paths.Query($"{Paths.Sources(sandboxId)}/_sweep_ephemeral",
                ("inactivity_seconds", inactivitySeconds.ToString(CultureInfo.InvariantCulture))),
            ProtocolJson.Default.SweepResponse, content: null, cancellationToken);

    // pause, resume, archive and disconnect: a POST to the source's action path, answered with its status.
    private Task<StatusResponse> StatusActionAsync(string action, string sandboxId, string dataSourceId, CancellationToken cancellationToken) =>
        _connection.SendJsonAsync(
            $"dataSources.{action}", HttpMethod.Post, $"{Paths.Source(sandboxId, dataSourceId)}/{action}",
            ProtocolJson.Default.StatusResponse, content: null, cancellationToken);
}
