namespace Portage.Core.Tenancy;

/// <summary>An API key as stored: only the SHA-256 hash of the key, never the key.</summary>
public sealed record ApiKeyRecord(
    string Id,
    string AccountId,
    string Name,
    string KeyPrefix,
    string KeyHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt = null,
    long UseCount = 0,
    DateTimeOffset? RevokedAt = null);

/// <summary>A sandbox as stored.</summary>
public sealed record SandboxRecord(
    string Id,
    string AccountId,
    string OwnerId,
    string Name,
    string Tier,
    string Status,
    string? MetadataJson,
    DateTimeOffset CreatedAt);

/// <summary>Who is calling: the account of a valid API key.</summary>
public sealed record Caller(string AccountId, string KeyId);
