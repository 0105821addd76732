using Portage.Protocol;
using Portage.Protocol.Providers;

namespace Portage.Client;

/// <summary><c>GET /api/v1/providers</c> (Portage extension): which providers the server knows, and which are configured.</summary>
public sealed class ProvidersResource
{
    private readonly RouterConnection _connection;

    internal ProvidersResource(RouterConnection connection) => _connection = connection;

    /// <summary>
    /// Every provider the server knows, by name, with whether it is configured and what it needs otherwise (a run on
    /// an unconfigured one is refused with <c>provider_not_configured</c>).
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<ProviderList> ListAsync(CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync("providers.list", HttpMethod.Get, Paths.Providers, ProtocolJson.Default.ProviderList, content: null, cancellationToken);
}
