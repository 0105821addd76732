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
}
