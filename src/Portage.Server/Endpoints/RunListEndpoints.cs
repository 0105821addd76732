using System.Text.Json;
using Portage.Core.Errors;
using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Protocol.Accounting;
using Portage.Protocol.Runs;
using Portage.Protocol.Tenancy;
using Portage.Protocol;

namespace Portage.Server.Endpoints;

/// <summary>
/// Portage extensions the console reads: the runs of a sandbox (newest first, cursor pages), one run, and the end
/// users of a sandbox with their windows, runs and usage. Windows are listed by <see cref="SourceEndpoints"/>.
/// </summary>
internal static class RunListEndpoints
{
    private const int DefaultLimit = 50;
    private const int MaxLimit = 200;

    private static readonly HashSet<string> s_statuses =
        [RunStatus.Running, RunStatus.Succeeded, RunStatus.Failed, RunStatus.Cancelled, RunStatus.Timeout, RunStatus.Interrupted];

    public static RouteGroupBuilder MapRunList(this RouteGroupBuilder sandbox)
    {
        sandbox.MapGet("/agents/runs", ListAsync).RequireScope(ApiKeyScopes.Runs).WithTags("Runs").WithSummary("The sandbox's runs, newest first").Produces<RunList>();
        sandbox.MapGet("/agents/runs/{runId}", GetAsync).RequireScope(ApiKeyScopes.Runs).WithTags("Runs").WithSummary("One run").Produces<RunInfo>();
        sandbox.MapGet("/end-users", EndUsersAsync).RequireScope(ApiKeyScopes.Runs).WithTags("Runs").WithSummary("The sandbox's end users").Produces<EndUserList>();
        return sandbox;
    }

    private static async Task<IResult> ListAsync(
        HttpContext context, string sandboxId, IRunStore runs,
        string? context_window_id, string? status, string? end_user_id, string? limit, string? cursor)
    {
        var size = Paging.Limit(limit, DefaultLimit, MaxLimit);

        if (status is not null && !s_statuses.Contains(status))
        {
            throw PortageException.BadRequest("invalid_status", $"status is one of {string.Join(", ", s_statuses)}.");
        }

        var after = Paging.After(cursor) is { } position ? new RunCursor(position.At, position.Id) : null;
        // One extra row says whether another page exists, so the last page has no cursor.
        var found = await runs.ListRunsAsync(sandboxId, new RunFilter(context_window_id, status, end_user_id), after, size + 1, context.RequestAborted);
        var page = found.Take(size).ToList();
        var next = found.Count > size ? Paging.Cursor(page[^1].StartedAt, page[^1].Id) : null;
        var outputs = await runs.GetRunOutputsAsync(sandboxId, [.. page.Select(r => r.Id)], context.RequestAborted);
        return TypedResults.Json(new RunList([.. page.Select(r => ToDto(r, outputs.GetValueOrDefault(r.Id)))], next), ProtocolJson.Wire.RunList);
    }

    private static async Task<IResult> GetAsync(HttpContext context, string sandboxId, string runId, IRunStore runs)
    {
        var run = await runs.GetRunAsync(sandboxId, runId, context.RequestAborted)
            ?? throw AgentRunEndpoints.RunNotFound(sandboxId, runId);
        return TypedResults.Json(await DescribeAsync(runs, run, context.RequestAborted), ProtocolJson.Wire.RunInfo);
    }

    /// <summary>One run as <c>GET …/agents/runs/{run_id}</c> answers it.</summary>
    internal static async Task<RunInfo> DescribeAsync(IRunStore runs, RunRecord run, CancellationToken cancellationToken) =>
        ToDto(run, (await runs.GetRunOutputsAsync(run.SandboxId, [run.Id], cancellationToken)).GetValueOrDefault(run.Id));

    private static async Task<IResult> EndUsersAsync(
        HttpContext context, string sandboxId, IRunStore runs, string? limit, string? cursor)
    {
        var size = Paging.Limit(limit);
        var found = await runs.ListEndUsersAsync(sandboxId, Paging.After(cursor), size + 1, context.RequestAborted);
        var users = found.Take(size).ToList();
        var next = found.Count > size ? Paging.Cursor(users[^1].LastActiveAt ?? DateTimeOffset.MinValue, users[^1].EndUserId) : null;
        IReadOnlyList<EndUserInfo> dtos = [.. users.Select(u => new EndUserInfo
        {
            EndUserId = u.EndUserId,
            WindowCount = u.WindowCount,
            RunCount = u.Usage.Runs,
            LastActiveAt = u.LastActiveAt,
        }.WithTotals(u.Usage))];
        return TypedResults.Json(new EndUserList(dtos, dtos.Count) { NextCursor = next }, ProtocolJson.Wire.EndUserList);
    }

    private static RunInfo ToDto(RunRecord run, RunOutput? output)
    {
        JsonElement? usage = null;
        if (run.UsageJson is { } json)
        {
            using var document = JsonDocument.Parse(json);
            usage = document.RootElement.Clone();
        }

        long? Tokens(params string[] names) => usage is { } u ? names.Sum(n => Count(u, n)) : null;
        return new RunInfo
        {
            RunId = run.Id,
            SandboxId = run.SandboxId,
            EndUserId = run.EndUserId,
            ContextWindowId = run.WindowId,
            SessionId = run.SessionId,
            Provider = run.Provider,
            Model = run.Model,
            Status = run.Status,
            StopReason = run.StopReason,
            Error = run.Error,
            Usage = usage,
            StartedAt = run.StartedAt,
            EndedAt = run.FinishedAt,
            DurationMs = run.FinishedAt is { } end ? (long)(end - run.StartedAt).TotalMilliseconds : null,
            TokensIn = Tokens("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"),
            TokensOut = Tokens("output_tokens", "thinking_tokens"),
            CostMicrocents = Tokens("cost_microcents"),
            ErrorMessage = run.Error,
            FinishedAt = run.FinishedAt,
            OutputText = output?.OutputText,
            ProviderSessionId = output?.ProviderSessionId ?? run.SessionId,
        };
    }

    private static long Count(JsonElement usage, string name) =>
        usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : 0;
}
