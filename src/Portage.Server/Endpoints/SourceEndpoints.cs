using Microsoft.Extensions.Options;
using Portage.Core.Compaction;
using Portage.Core.Errors;
using Portage.Core.Retrieval;
using Portage.Core.Sources;
using Portage.Core.Tenancy;
using Portage.Core.Windows;
using Portage.Protocol;
using Portage.Protocol.Sources;
using Portage.Protocol.Tenancy;
using Portage.Server.OpenApi;

namespace Portage.Server.Endpoints;

/// <summary>
/// Data sources of a sandbox (copass-compat §7.2), durable and ephemeral in one API; context windows are the ephemeral
/// ones. Archive, disconnect and the inactivity sweep are rule 9; <c>/turns</c> is a Portage extension that reads a
/// window's log and <c>/deliveries</c> its delivery ledger. Status rules and purge live in <see cref="DataSourceService"/>.
/// </summary>
internal static class SourceEndpoints
{
    public static RouteGroupBuilder MapSources(this RouteGroupBuilder sandbox)
    {
        var sources = sandbox.MapGroup("/sources").RequireScope(ApiKeyScopes.Runs).WithTags("Sources and windows");
        sources.MapPost("", RegisterAsync).WithSummary("Register a data source")
            .ReadsJson<RegisterDataSourceRequest>().Produces<DataSource>(StatusCodes.Status201Created);
        sources.MapGet("", ListAsync).WithSummary("Data sources and context windows").Produces<DataSourceList>();
        sources.MapPost("/_sweep_ephemeral", SweepAsync).WithSummary("Archive inactive windows").Produces<SweepResponse>();
        sources.MapGet("/{sourceId}", GetAsync).WithSummary("One data source").Produces<DataSource>();
        sources.MapPatch("/{sourceId}", UpdateAsync).WithSummary("Update a data source")
            .ReadsJson<UpdateDataSourceRequest>().Produces<DataSource>();
        sources.MapDelete("/{sourceId}", DeleteAsync).WithSummary("Delete a data source").Produces<StatusResponse>();
        sources.MapPost("/{sourceId}/pause", (HttpContext c, string sandboxId, string sourceId, DataSourceService s) =>
            StatusAsync(c, ct => s.PauseAsync(sandboxId, sourceId, ct))).WithSummary("Pause a data source").Produces<StatusResponse>();
        sources.MapPost("/{sourceId}/resume", (HttpContext c, string sandboxId, string sourceId, DataSourceService s) =>
            StatusAsync(c, ct => s.ResumeAsync(sandboxId, sourceId, ct))).WithSummary("Resume a data source").Produces<StatusResponse>();
        sources.MapPost("/{sourceId}/archive", (HttpContext c, string sandboxId, string sourceId, DataSourceService s) =>
            StatusAsync(c, ct => s.ArchiveAsync(sandboxId, sourceId, ct))).WithSummary("Archive a data source or window").Produces<StatusResponse>();
        sources.MapPost("/{sourceId}/disconnect", (HttpContext c, string sandboxId, string sourceId, DataSourceService s) =>
            StatusAsync(c, ct => s.DisconnectAsync(sandboxId, sourceId, ct))).WithSummary("Disconnect a data source").Produces<StatusResponse>();
        sources.MapPost("/{sourceId}/purge", PurgeAsync).WithSummary("Purge a data source's content")
            .ReadsJson<PurgeDataSourceRequest>(optional: true).Produces<PurgeResponse>();
        sources.MapPost("/{sourceId}/compact", CompactAsync).WithSummary("Compact a window's older turns")
            .ReadsJson<CompactWindowRequest>(optional: true).Produces<CompactWindowResponse>();
        sources.MapGet("/{sourceId}/turns", TurnsAsync).WithSummary("A window's turns").Produces<WindowTurnList>();
        sources.MapGet("/{sourceId}/deliveries", DeliveriesAsync).WithSummary("A window's delivery ledger").Produces<WindowDeliveryList>();
        return sandbox;
    }

    private static async Task<IResult> RegisterAsync(
        HttpContext context, string sandboxId, DataSourceService sources, IOptions<ServerOptions> options)
    {
        var sandbox = SandboxFilter.SandboxOf(context);
        var request = await JsonBody.ReadAsync(context.Request, ProtocolJson.Wire.RegisterDataSourceRequest, options.Value.MaxRequestBodyBytes, context.RequestAborted);
        var source = await sources.RegisterAsync(sandboxId, request, context.RequestAborted);
        return TypedResults.Json(SourceDtos.ToDto(source, sandbox.AccountId), ProtocolJson.Wire.DataSource, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(
        HttpContext context, string sandboxId, DataSourceService sources,
        string? kind, string? provider, string? status, string? end_user_id, string? limit, string? cursor)
    {
        var sandbox = SandboxFilter.SandboxOf(context);
        var size = Paging.Limit(limit);
        // One extra row says whether another page exists, so the last page has no cursor.
        var found = await sources.ListAsync(sandboxId, new DataSourceFilter(provider, status, kind, end_user_id), Paging.After(cursor), size + 1, context.RequestAborted);
        var page = found.Take(size).ToList();
        var next = found.Count > size ? Paging.Cursor(page[^1].LastActiveAt, page[^1].Id) : null;
        IReadOnlyList<DataSource> dtos = [.. page.Select(s => SourceDtos.ToDto(s, sandbox.AccountId))];
        return TypedResults.Json(new DataSourceList(dtos, dtos.Count) { NextCursor = next }, ProtocolJson.Wire.DataSourceList);
    }

    private static async Task<IResult> GetAsync(HttpContext context, string sandboxId, string sourceId, DataSourceService sources)
    {
        var sandbox = SandboxFilter.SandboxOf(context);
        var source = await sources.GetAsync(sandboxId, sourceId, context.RequestAborted);
        return TypedResults.Json(SourceDtos.ToDto(source, sandbox.AccountId), ProtocolJson.Wire.DataSource);
    }

    private static async Task<IResult> UpdateAsync(
        HttpContext context, string sandboxId, string sourceId, DataSourceService sources, IOptions<ServerOptions> options,
        string? merge_adapter_config)
    {
        var sandbox = SandboxFilter.SandboxOf(context);
        var merge = false;
        if (merge_adapter_config is not null && !bool.TryParse(merge_adapter_config, out merge))
        {
            throw PortageException.BadRequest("invalid_merge_adapter_config",
                "merge_adapter_config is true (deep-merge adapter_config into the current settings) or false (replace them, the default).");
        }

        var request = await JsonBody.ReadAsync(context.Request, ProtocolJson.Wire.UpdateDataSourceRequest, options.Value.MaxRequestBodyBytes, context.RequestAborted);
        var source = await sources.UpdateAsync(sandboxId, sourceId, request, merge, context.RequestAborted);
        return TypedResults.Json(SourceDtos.ToDto(source, sandbox.AccountId), ProtocolJson.Wire.DataSource);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string sandboxId, string sourceId, DataSourceService sources)
    {
        await sources.DeleteAsync(sandboxId, sourceId, context.RequestAborted);
        return TypedResults.Json(new StatusResponse(true, $"Source {sourceId} is deleted; content ingested through it stays until purged."),
            ProtocolJson.Wire.StatusResponse);
    }

    private static async Task<IResult> StatusAsync(HttpContext context, Func<CancellationToken, Task<SourceStatusChange>> change)
    {
        var result = await change(context.RequestAborted);
        return TypedResults.Json(new StatusResponse(true, result.Message), ProtocolJson.Wire.StatusResponse);
    }

    private static async Task<IResult> PurgeAsync(
        HttpContext context, string sandboxId, string sourceId, DataSourceService sources, IOptions<ServerOptions> options)
    {
        // The body is optional: a bare POST purges the content and keeps the registration.
        var request = context.Request.ContentLength is 0 || (context.Request.ContentLength is null && context.Request.ContentType is null)
            ? new PurgeDataSourceRequest()
            : await JsonBody.ReadAsync(context.Request, ProtocolJson.Wire.PurgeDataSourceRequest, options.Value.MaxRequestBodyBytes, context.RequestAborted);
        var purge = await sources.PurgeAsync(sandboxId, sourceId, request.DeleteSource == true, context.RequestAborted);
        return TypedResults.Json(SourceDtos.ToDto(purge), ProtocolJson.Wire.PurgeResponse);
    }

    private static async Task<IResult> CompactAsync(
        HttpContext context, string sandboxId, string sourceId, IWindowStore windows, IDataSourceStore sources, WindowCompaction compaction,
        IOptions<ServerOptions> options)
    {
        // The body is optional: a bare POST compacts with the configured defaults.
        var request = context.Request.ContentLength is 0 || (context.Request.ContentLength is null && context.Request.ContentType is null)
            ? new CompactWindowRequest()
            : await JsonBody.ReadAsync(context.Request, ProtocolJson.Wire.CompactWindowRequest, options.Value.MaxRequestBodyBytes, context.RequestAborted);
        var window = await FindWindowAsync(context, sandboxId, sourceId, request.EndUserId, "turns to compact", windows, sources);
        var done = await compaction.CompactAsync(sandboxId, window, request.Provider, request.Model, request.KeepExchanges, context.RequestAborted);
        return TypedResults.Json(SourceDtos.ToDto(window.Id, done), ProtocolJson.Wire.CompactWindowResponse);
    }

    private static async Task<IResult> SweepAsync(HttpContext context, string sandboxId, WindowSweeper sweeper, string? inactivity_seconds)
    {
        long seconds = 86_400;
        if (inactivity_seconds is not null && (!long.TryParse(inactivity_seconds, out seconds) || seconds < 0))
        {
            throw PortageException.BadRequest("invalid_inactivity_seconds", "inactivity_seconds must be a whole number of seconds ≥ 0 (default 86400).");
        }

        var archived = await sweeper.SweepAsync(sandboxId, seconds, context.RequestAborted);
        return TypedResults.Json(new SweepResponse(archived, seconds), ProtocolJson.Wire.SweepResponse);
    }

    private static async Task<IResult> TurnsAsync(
        HttpContext context, string sandboxId, string sourceId, IWindowStore windows, IDataSourceStore sources,
        string? end_user_id, string? after_seq, string? limit)
    {
        var after = Paging.AfterSeq(after_seq);
        var size = Paging.Limit(limit);
        var window = await FindWindowAsync(context, sandboxId, sourceId, end_user_id, "turns", windows, sources);
        return new TurnPageResult(windows, window, after, size);
    }

    private static async Task<IResult> DeliveriesAsync(
        HttpContext context, string sandboxId, string sourceId, IWindowStore windows, IDataSourceStore sources,
        RetrievalService retrieval, string? end_user_id, string? limit, string? cursor)
    {
        var size = Paging.Limit(limit);
        var after = Paging.After(cursor);
        var window = await FindWindowAsync(context, sandboxId, sourceId, end_user_id, "a delivery ledger", windows, sources);
        var found = await retrieval.LedgerAsync(sandboxId, window.Id, window.EndUserId, after, size + 1, context.RequestAborted);
        var page = found.Take(size).ToList();
        var next = found.Count > size ? Paging.Cursor(page[^1].DeliveredAt, page[^1].StoredId) : null;
        IReadOnlyList<WindowDelivery> dtos = [.. page.Select(SourceDtos.ToDto)];
        return TypedResults.Json(new WindowDeliveryList(window.Id, window.EndUserId, dtos, dtos.Count) { NextCursor = next }, ProtocolJson.Wire.WindowDeliveryList);
    }

    // The window-scoped reads (Portage extensions) answer alike: another sandbox's window, or another end user's when
    // end_user_id is given, is 404 exactly like a missing one (rule 2); a durable source has no window to read.
    private static async Task<WindowRecord> FindWindowAsync(
        HttpContext context, string sandboxId, string sourceId, string? endUserId, string what, IWindowStore windows, IDataSourceStore sources)
    {
        if (endUserId is not null)
        {
            EndUserIds.Validate(endUserId);
        }

        var window = await windows.GetWindowAsync(sandboxId, sourceId, endUserId, context.RequestAborted);
        if (window is not null)
        {
            return window;
        }

        if (endUserId is null && await sources.GetSourceAsync(sandboxId, sourceId, context.RequestAborted) is { } durable)
        {
            throw PortageException.BadRequest("not_a_context_window",
                $"Data source '{durable.Id}' is a durable source; only context windows (kind: ephemeral) have {what}.");
        }

        throw PortageException.NotFound("source_not_found",
            $"No context window '{sourceId}' in this sandbox{(endUserId is null ? "" : $" for end user '{endUserId}'")}. List them with GET …/sources?kind=ephemeral.");
    }
}
