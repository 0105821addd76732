using Microsoft.Extensions.Options;
using Portage.Core.Tenancy;
using Portage.Protocol;
using Portage.Protocol.Tenancy;
using Portage.Server.OpenApi;

namespace Portage.Server.Endpoints;

/// <summary>
/// API keys of the caller's account (copass-compat §7.6). Keys are shown once, stored as SHA-256 hashes, and managed
/// with admin keys only: a runs key (what a backend holds) cannot make, list or revoke keys, so it cannot lock out the owner.
/// </summary>
internal static class ApiKeyEndpoints
{
    public static RouteGroupBuilder MapApiKeys(this RouteGroupBuilder api)
    {
        var keys = api.MapGroup("/api-keys").RequireScope(ApiKeyScopes.Admin).WithTags("API keys");
        keys.MapPost("", CreateAsync).WithSummary("Create a key (its secret is shown once)")
            .ReadsJson<CreateApiKeyRequest>().Produces<CreatedApiKey>(StatusCodes.Status201Created);
        keys.MapGet("", ListAsync).WithSummary("The account's keys, without secrets").Produces<IReadOnlyList<ApiKeyInfo>>();
        keys.MapDelete("/{keyId}", RevokeAsync).WithSummary("Revoke a key").Produces<RevokedApiKey>();
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
            Scope = record.Scope,
            RequestsPerMinute = record.RequestsPerMinute,
            TokensPerMinute = record.TokensPerMinute,
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
            Scope = k.Scope,
            RequestsPerMinute = k.RequestsPerMinute,
            TokensPerMinute = k.TokensPerMinute,
        })];
        return TypedResults.Json(infos, ProtocolJson.Wire.IReadOnlyListApiKeyInfo);
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string keyId, TenancyService tenancy)
    {
        var revoked = await tenancy.RevokeApiKeyAsync(ApiKeyFilter.CallerOf(context), keyId, context.RequestAborted);
        return TypedResults.Json(new RevokedApiKey(true, revoked.Id, revoked.Name), ProtocolJson.Wire.RevokedApiKey);
    }
}
