using System.Text.Json;
using Portage.Protocol;
using Portage.Protocol.Tenancy;

namespace Portage.Client;

/// <summary><c>/api/v1/storage/sandboxes</c>: the tenants of the account.</summary>
public sealed class SandboxesResource
{
    private readonly RouterConnection _connection;

    internal SandboxesResource(RouterConnection connection) => _connection = connection;

    /// <summary>Creates a sandbox (<c>POST /api/v1/storage/sandboxes</c>).</summary>
    public Task<Sandbox> CreateAsync(CreateSandboxRequest request, CancellationToken cancellationToken = default) =>
        _connection.SendBodyAsync("sandboxes.create", HttpMethod.Post, Paths.Sandboxes, request, ProtocolJson.Default.Sandbox, cancellationToken);

    /// <summary>Lists the sandboxes (<c>GET /api/v1/storage/sandboxes?status=…</c>).</summary>
    /// <param name="status">Only sandboxes with this status (<c>active</c>, <c>suspended</c>, <c>archived</c>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<SandboxList> ListAsync(string? status = null, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "sandboxes.list", HttpMethod.Get, Paths.Query(Paths.Sandboxes, ("status", status)),
            ProtocolJson.Default.SandboxList, content: null, cancellationToken);

    /// <summary>Gets one sandbox (<c>GET /api/v1/storage/sandboxes/{id}</c>).</summary>
    public Task<Sandbox> GetAsync(string sandboxId, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "sandboxes.get", HttpMethod.Get, Paths.Sandbox(sandboxId),
            ProtocolJson.Default.Sandbox, content: null, cancellationToken);

    /// <summary>
    /// Changes the fields the request sets (<c>PATCH /api/v1/storage/sandboxes/{id}</c>; admin key). Its
    /// <see cref="UpdateSandboxRequest.Limits"/> is merged field by field; <see cref="SetLimitsAsync"/> sets them all.
    /// </summary>
    public Task<Sandbox> UpdateAsync(string sandboxId, UpdateSandboxRequest request, CancellationToken cancellationToken = default) =>
        _connection.SendBodyAsync("sandboxes.update", HttpMethod.Patch, Paths.Sandbox(sandboxId), request, ProtocolJson.Default.Sandbox, cancellationToken);

    /// <summary>Sets every limit of a sandbox to <paramref name="limits"/> (a null field removes that limit).</summary>
    public Task<Sandbox> SetLimitsAsync(string sandboxId, SandboxLimits limits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return UpdateAsync(sandboxId, new UpdateSandboxRequest { Limits = JsonSerializer.SerializeToElement(limits, ProtocolJson.Default.SandboxLimits) }, cancellationToken);
    }

    /// <summary>Suspends a sandbox: its data stays readable, runs and ingest get 409 <c>sandbox_suspended</c> (<c>POST …/suspend</c>).</summary>
    public Task<StatusResponse> SuspendAsync(string sandboxId, CancellationToken cancellationToken = default) =>
        StatusAsync("suspend", sandboxId, cancellationToken);

    /// <summary>Brings a suspended or archived sandbox back (<c>POST …/reactivate</c>).</summary>
    public Task<StatusResponse> ReactivateAsync(string sandboxId, CancellationToken cancellationToken = default) =>
        StatusAsync("reactivate", sandboxId, cancellationToken);

    /// <summary>Archives a sandbox: as suspended, with 409 <c>sandbox_archived</c> (<c>POST …/archive</c>).</summary>
    public Task<StatusResponse> ArchiveAsync(string sandboxId, CancellationToken cancellationToken = default) =>
        StatusAsync("archive", sandboxId, cancellationToken);

    /// <summary>
    /// Destroys a sandbox and everything in it (<c>DELETE /api/v1/storage/sandboxes/{id}</c>). The key's default sandbox
    /// needs <paramref name="force"/>.
    /// </summary>
    public Task<StatusResponse> DestroyAsync(string sandboxId, bool force = false, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "sandboxes.destroy", HttpMethod.Delete, Paths.Query(Paths.Sandbox(sandboxId), ("force", force ? "true" : null)),
            ProtocolJson.Default.StatusResponse, content: null, cancellationToken);

    private Task<StatusResponse> StatusAsync(string action, string sandboxId, CancellationToken cancellationToken) =>
        _connection.SendJsonAsync(
            $"sandboxes.{action}", HttpMethod.Post, $"{Paths.Sandbox(sandboxId)}/{action}",
            ProtocolJson.Default.StatusResponse, content: null, cancellationToken);

    /// <summary>An end user's own limits (<c>GET …/sandboxes/{id}/end-users/{end_user_id}/limits</c>); all null when none are set.</summary>
    public Task<EndUserLimits> GetEndUserLimitsAsync(string sandboxId, string endUserId, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "sandboxes.endUserLimits.get", HttpMethod.Get, EndUserLimitsPath(sandboxId, endUserId),
            ProtocolJson.Default.EndUserLimits, content: null, cancellationToken);

    /// <summary>Sets an end user's own limits, overriding the sandbox's <c>end_user_…</c> limits (<c>PUT …/limits</c>; admin key).</summary>
    public Task<EndUserLimits> SetEndUserLimitsAsync(string sandboxId, string endUserId, EndUserLimits limits, CancellationToken cancellationToken = default) =>
        _connection.SendBodyAsync("sandboxes.endUserLimits.set", HttpMethod.Put, EndUserLimitsPath(sandboxId, endUserId), limits, ProtocolJson.Default.EndUserLimits, cancellationToken);

    /// <summary>
    /// One page of the runs a budget refused or (shadow) would have refused, newest first (<c>GET …/budget-denials</c>);
    /// pass <see cref="Protocol.Accounting.BudgetDenialList.NextCursor"/> back as <paramref name="cursor"/> for the next.
    /// </summary>
    public Task<Protocol.Accounting.BudgetDenialList> ListBudgetDenialsAsync(
        string sandboxId, string? endUserId = null, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "sandboxes.budgetDenials", HttpMethod.Get,
            Paths.Query($"{Paths.Sandbox(sandboxId)}/budget-denials", ("end_user_id", endUserId),
                ("limit", limit?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("cursor", cursor)),
            ProtocolJson.Default.BudgetDenialList, content: null, cancellationToken);

    private static string EndUserLimitsPath(string sandboxId, string endUserId) =>
        $"{Paths.Sandbox(sandboxId)}/end-users/{Paths.Segment(endUserId, nameof(endUserId))}/limits";
}
