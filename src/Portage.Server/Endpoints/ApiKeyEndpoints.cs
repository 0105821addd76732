using Microsoft.Extensions.Options;
using Portage.Core.Errors;
using Portage.Core.Tenancy;
using Portage.Protocol;
using Portage.Protocol.Tenancy;

namespace Portage.Server.Endpoints;

/// <summary>API keys of the caller's account (copass-compat §7.6). Keys are shown once, stored as SHA-256 hashes.</summary>
internal static class ApiKeyEndpoints
{
    public static RouteGroupBuilder MapApiKeys(this RouteGroupBuilder api)
    {
        api.MapPost("/api-keys", CreateAsync);
        api.MapGet("/api-keys", ListAsync);
        api.MapDelete("/api-keys/{keyId}", RevokeAsync);
        return api;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, TenancyService tenancy, IOptions<ServerOptions> options)
    {
        var request = await JsonBody.ReadAsync(context.Request, ProtocolJson.Wire.CreateApiKeyRequest, options.Value.MaxRequestBodyBytes, context.RequestAborted);
        var (record, key) = await tenancy.CreateApiKeyAsync(ApiKeyFilter.CallerOf(context), request, context.RequestAborted);
        var created = new CreatedApiKey
        {
            Id = record.Id,
            Name = record.Name,
            Key = key,
            KeyPrefix = record.KeyPrefix,
            CreatedAt = record.CreatedAt,
            ExpiresAt = record.ExpiresAt,
            Warning = "Store this key now: Portage keeps only its hash and cannot show it again.",
        };
        return TypedResults.Json(created, ProtocolJson.Wire.CreatedApiKey, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(HttpContext context, ITenancyStore store, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var keys = await store.ListApiKeysAsync(ApiKeyFilter.CallerOf(context).AccountId, context.RequestAborted);
        IReadOnlyList<ApiKeyInfo> infos = [.. keys.Select(k => new ApiKeyInfo
        {
            Id = k.Id,
            Name = k.Name,
            KeyPrefix = k.KeyPrefix,
            ExpiresAt = k.ExpiresAt,
            LastUsedAt = k.LastUsedAt,
            UseCount = k.UseCount,
            CreatedAt = k.CreatedAt,
            IsExpired = k.ExpiresAt <= now,
        })];
        return TypedResults.Json(infos, ProtocolJson.Wire.IReadOnlyListApiKeyInfo);
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string keyId, ITenancyStore store, TimeProvider time)
    {
        var revoked = (await store.RevokeApiKeyAsync(ApiKeyFilter.CallerOf(context).AccountId, keyId, time.GetUtcNow(), context.RequestAborted)).Key
            ?? throw PortageException.NotFound("api_key_not_found", $"No active API key '{keyId}' in this account. List them with GET /api/v1/api-keys.");
        return TypedResults.Json(new RevokedApiKey(true, revoked.Id, revoked.Name), ProtocolJson.Wire.RevokedApiKey);
    }
}
