using Portage.Protocol.Tenancy;

namespace Portage.Core.Tenancy;

/// <summary>
/// An API key as stored: only the SHA-256 hash of the key, never the key. <paramref name="Scope"/> is
/// <see cref="ApiKeyScopes.Admin"/> or <see cref="ApiKeyScopes.Runs"/>; keys from before scopes existed are admin.
/// </summary>
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
    DateTimeOffset? RevokedAt = null,
    string Scope = ApiKeyScopes.Admin,
    int? RequestsPerMinute = null,
    long? TokensPerMinute = null);

/// <summary>What revoking a key did.</summary>
public enum ApiKeyRevocationOutcome
{
    /// <summary>The key is revoked.</summary>
    Revoked,

    /// <summary>The account has no such active key (also another account's key).</summary>
    NotFound,

    /// <summary>Refused: the key is the account's last active admin key, its only way to manage keys.</summary>
    LastAdminKey,
}

/// <summary>The outcome of a revocation and the key it concerned (the revoked key, or the one refused).</summary>
public sealed record ApiKeyRevocation(ApiKeyRevocationOutcome Outcome, ApiKeyRecord? Key = null);

/// <summary>
/// A sandbox as stored. <paramref name="Status"/> is one of <see cref="SandboxStatus"/>; <paramref name="LimitsJson"/>
/// is its <see cref="Protocol.Tenancy.SandboxLimits"/> as JSON, or null for none.
/// </summary>
public sealed record SandboxRecord(
    string Id,
    string AccountId,
    string OwnerId,
    string Name,
    string Tier,
    string Status,
    string? MetadataJson,
    DateTimeOffset CreatedAt,
    string? LimitsJson = null);

/// <summary>The states of a sandbox (copass-compat §7.1).</summary>
public static class SandboxStatus
{
    /// <summary>Serves everything.</summary>
    public const string Active = "active";

    /// <summary>Keeps its data, readable; refuses runs and ingest (409 <c>sandbox_suspended</c>) until reactivated.</summary>
    public const string Suspended = "suspended";

    /// <summary>As suspended (409 <c>sandbox_archived</c>), for a sandbox put away rather than paused; reactivation brings it back.</summary>
    public const string Archived = "archived";
}

/// <summary>What destroying a sandbox did.</summary>
public enum SandboxDestruction
{
    /// <summary>The sandbox and every row of it are gone.</summary>
    Destroyed,

    /// <summary>The account has no such sandbox.</summary>
    NotFound,

    /// <summary>Refused: a run of the sandbox is still running.</summary>
    RunInProgress,
}

/// <summary>Who is calling: the account of a valid API key, the key, its scope and its rate limits (null: none).</summary>
public sealed record Caller(string AccountId, string KeyId, string Scope, int? RequestsPerMinute = null, long? TokensPerMinute = null);
