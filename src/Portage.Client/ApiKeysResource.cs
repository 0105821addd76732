using Portage.Protocol;
using Portage.Protocol.Tenancy;

namespace Portage.Client;

/// <summary>
/// <c>/api/v1/api-keys</c>: the account's API keys. Every call here needs an admin key; a runs key gets 403
/// <c>insufficient_scope</c> (see <see cref="ApiKeyScopes"/>).
/// </summary>
public sealed class ApiKeysResource
{
    private readonly RouterConnection _connection;

    internal ApiKeysResource(RouterConnection connection) => _connection = connection;

    /// <summary>
    /// Creates a key (<c>POST /api/v1/api-keys</c>); the answer carries the plaintext key, shown only this once. Its scope
    /// is <see cref="CreateApiKeyRequest.Scope"/>, <c>runs</c> when not set.
    /// </summary>
    public Task<CreatedApiKey> CreateAsync(CreateApiKeyRequest request, CancellationToken cancellationToken = default) =>
        _connection.SendBodyAsync("apiKeys.create", HttpMethod.Post, Paths.ApiKeys, request, ProtocolJson.Default.CreatedApiKey, cancellationToken);

    /// <summary>Lists the keys (<c>GET /api/v1/api-keys</c>), never the keys themselves.</summary>
    public Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "apiKeys.list", HttpMethod.Get, Paths.ApiKeys,
            ProtocolJson.Default.IReadOnlyListApiKeyInfo, content: null, cancellationToken);

    /// <summary>
    /// Revokes a key (<c>DELETE /api/v1/api-keys/{id}</c>): requests with it fail and its open streams end with
    /// <c>agent_error</c> <c>key_revoked</c>. The account's last admin key cannot be revoked (409 <c>last_admin_key</c>).
    /// </summary>
    public Task<RevokedApiKey> RevokeAsync(string keyId, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "apiKeys.revoke", HttpMethod.Delete, $"{Paths.ApiKeys}/{Paths.Segment(keyId, nameof(keyId))}",
            ProtocolJson.Default.RevokedApiKey, content: null, cancellationToken);
}
