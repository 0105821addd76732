using System.Text.Json;
using Portage.Core.Errors;
using Portage.Core.Tenancy;
using Portage.Core.Windows;
using Portage.Protocol;
using Portage.Protocol.Sources;

namespace Portage.Server.Endpoints;

/// <summary>
/// Data sources of a sandbox (copass-compat §7.2). Context windows are the ephemeral ones; archive, disconnect and the
/// inactivity sweep are rule 9; <c>/turns</c> is a Portage extension that reads a window's log.
/// </summary>
internal static class SourceEndpoints
{
    private const string Ephemeral = "ephemeral";
    private const string Custom = "custom";

    public static RouteGroupBuilder MapSources(this RouteGroupBuilder api)
    {
        var sources = api.MapGroup("/storage/sandboxes/{sandboxId}/sources");
        sources.MapGet("", ListAsync);
        sources.MapPost("/_sweep_ephemeral", SweepAsync);
        sources.MapGet("/{sourceId}", GetAsync);
        sources.MapPost("/{sourceId}/archive", (HttpContext c, string sandboxId, string sourceId, TenancyService t, IWindowStore w) =>
            CloseAsync(c, sandboxId, sourceId, SourceStatus.Archived, t, w));
        sources.MapPost("/{sourceId}/disconnect", (HttpContext c, string sandboxId, string sourceId, TenancyService t, IWindowStore w) =>
            CloseAsync(c, sandboxId, sourceId, SourceStatus.Disconnected, t, w));
        sources.MapGet("/{sourceId}/turns", TurnsAsync);
        return api;
    }

    private static async Task<IResult> ListAsync(
        HttpContext context, string sandboxId, TenancyService tenancy, IWindowStore windows,
        string? kind, string? provider, string? status, string? end_user_id)
    {
        var sandbox = await tenancy.GetSandboxAsync(ApiKeyFilter.CallerOf(context), sandboxId, context.RequestAborted);
        ValidateEndUserFilter(end_user_id);
        IReadOnlyList<DataSource> sources = [];
        if (kind is null or Ephemeral && provider is null or Custom)
        {
            var found = await windows.ListWindowsAsync(sandboxId, end_user_id, status, context.RequestAborted);
            sources = [.. found.Select(w => ToDto(w, sandbox.AccountId))];
        }

        return TypedResults.Json(new DataSourceList(sources, sources.Count), ProtocolJson.Wire.DataSourceList);
    }

    private static async Task<IResult> GetAsync(HttpContext context, string sandboxId, string sourceId, TenancyService tenancy, IWindowStore windows)
    {
        var sandbox = await tenancy.GetSandboxAsync(ApiKeyFilter.CallerOf(context), sandboxId, context.RequestAborted);
        var window = await FindAsync(windows, sandboxId, sourceId, null, context.RequestAborted);
        return TypedResults.Json(ToDto(window, sandbox.AccountId), ProtocolJson.Wire.DataSource);
    }

    private static async Task<IResult> CloseAsync(HttpContext context, string sandboxId, string sourceId, string status, TenancyService tenancy, IWindowStore windows)
    {
        await tenancy.GetSandboxAsync(ApiKeyFilter.CallerOf(context), sandboxId, context.RequestAborted);
        var window = await FindAsync(windows, sandboxId, sourceId, null, context.RequestAborted);
        if (window.IsClosedExplicitly)
        {
            return TypedResults.Json(new StatusResponse(true, $"Source {sourceId} was already {window.Status}."), ProtocolJson.Wire.StatusResponse);
        }

        await windows.SetWindowStatusAsync(sandboxId, sourceId, status, ArchiveReason.Explicit, context.RequestAborted);
        return TypedResults.Json(new StatusResponse(true, $"Source {sourceId} is {status}; its turns stay readable."), ProtocolJson.Wire.StatusResponse);
    }

    private static async Task<IResult> SweepAsync(HttpContext context, string sandboxId, TenancyService tenancy, WindowSweeper sweeper, string? inactivity_seconds)
    {
        await tenancy.GetSandboxAsync(ApiKeyFilter.CallerOf(context), sandboxId, context.RequestAborted);
        long seconds = 86_400;
        if (inactivity_seconds is not null && (!long.TryParse(inactivity_seconds, out seconds) || seconds < 0))
        {
            throw PortageException.BadRequest("invalid_inactivity_seconds", "inactivity_seconds must be a whole number of seconds ≥ 0 (default 86400).");
        }

        var archived = await sweeper.SweepAsync(sandboxId, seconds, context.RequestAborted);
        return TypedResults.Json(new SweepResponse(archived, seconds), ProtocolJson.Wire.SweepResponse);
    }

    private static async Task<IResult> TurnsAsync(HttpContext context, string sandboxId, string sourceId, TenancyService tenancy, IWindowStore windows, string? end_user_id)
    {
        await tenancy.GetSandboxAsync(ApiKeyFilter.CallerOf(context), sandboxId, context.RequestAborted);
        ValidateEndUserFilter(end_user_id);
        var window = await FindAsync(windows, sandboxId, sourceId, end_user_id, context.RequestAborted);
        var turns = await windows.ListTurnsAsync(sandboxId, window.Id, 0, context.RequestAborted);
        IReadOnlyList<WindowTurn> dtos = [.. turns.Select(ToDto)];
        return TypedResults.Json(new WindowTurnList(window.Id, window.EndUserId, dtos, dtos.Count), ProtocolJson.Wire.WindowTurnList);
    }

    private static void ValidateEndUserFilter(string? endUserId)
    {
        if (endUserId is not null)
        {
            EndUserIds.Validate(endUserId);
        }
    }

    private static async Task<WindowRecord> FindAsync(IWindowStore windows, string sandboxId, string sourceId, string? endUserId, CancellationToken cancellationToken) =>
        await windows.GetWindowAsync(sandboxId, sourceId, endUserId, cancellationToken)
        ?? throw PortageException.NotFound("source_not_found",
            $"No data source '{sourceId}' in this sandbox{(endUserId is null ? "" : $" for end user '{endUserId}'")}. List them with GET …/sources?kind=ephemeral.");

    private static DataSource ToDto(WindowRecord w, string accountId) => new()
    {
        DataSourceId = w.Id,
        UserId = accountId,
        SandboxId = w.SandboxId,
        Provider = Custom,
        Name = w.Name,
        Status = w.Status,
        Kind = Ephemeral,
        CreatedAt = w.CreatedAt,
        EndUserId = w.EndUserId,
        LastActiveAt = w.LastActiveAt,
        TurnCount = w.TurnCount,
        ArchivedReason = w.ArchivedReason,
    };

    private static WindowTurn ToDto(TurnRecord t) => new()
    {
        Seq = t.Seq,
        Role = t.Role,
        Speaker = t.Speaker,
        Text = t.Text,
        Provider = t.Provider,
        Model = t.Model,
        RunId = t.RunId,
        Status = t.Status,
        CreatedAt = t.CreatedAt,
        TokenEstimate = t.TokenEstimate,
        Parts = [.. t.Parts.Select(p => new TurnPartDto
        {
            Type = p.Type,
            Text = p.Text,
            CallId = p.CallId,
            Name = p.Name,
            Arguments = Parse(p.ArgumentsJson),
            Result = Parse(p.ResultJson),
            Error = p.Error,
        })],
    };

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
