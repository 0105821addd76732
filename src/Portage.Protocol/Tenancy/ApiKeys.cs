namespace Portage.Protocol.Tenancy;

/// <summary>
/// What an API key may do (Portage extension). <see cref="Admin"/> may do everything; <see cref="Runs"/> may do what a
/// backend needs for its end users (runs, retrieval, ingest, sources and windows) but not manage keys or sandboxes.
/// </summary>
public static class ApiKeyScopes
{
    /// <summary>Everything, API keys and sandboxes included. The development key is admin.</summary>
    public const string Admin = "admin";

    /// <summary>Runs, their events and cancel, retrieval, ingest, sources and windows; the default for new keys.</summary>
    public const string Runs = "runs";

    /// <summary>Every scope, widest first.</summary>
    public static IReadOnlyList<string> All { get; } = [Admin, Runs];
}

/// <summary>Body of <c>POST /api/v1/api-keys</c>.</summary>
public sealed record CreateApiKeyRequest
{
    /// <summary>A name to recognise the key by.</summary>
    public string? Name { get; init; }

    /// <summary>Optional lifetime in days.</summary>
    public int? ExpiresInDays { get; init; }

    /// <summary>Portage extension: <c>runs</c> (when omitted) or <c>admin</c>; see <see cref="ApiKeyScopes"/>.</summary>
    public string? Scope { get; init; }

    /// <summary>Portage extension: runs a minute the key may start (429 <c>rate_limited</c> past it); omitted: no limit.</summary>
    public int? RequestsPerMinute { get; init; }

    /// <summary>Portage extension: tokens a minute the key's runs may use; omitted: no limit.</summary>
    public long? TokensPerMinute { get; init; }
}

/// <summary>A newly created key. <see cref="Key"/> is shown here once and never again.</summary>
public sealed record CreatedApiKey
{
    /// <summary>Key id (<c>key_…</c>).</summary>
    public required string Id { get; init; }

    /// <summary>Name.</summary>
    public required string Name { get; init; }

    /// <summary>The plaintext key; only its SHA-256 hash is stored.</summary>
    public required string Key { get; init; }

    /// <summary>The first characters of the key, to recognise it in lists.</summary>
    public required string KeyPrefix { get; init; }

    /// <summary>Creation time.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Expiry, if any.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Reminder that the key cannot be shown again.</summary>
    public string? Warning { get; init; }

    /// <summary>Portage extension: what the key may do, <c>admin</c> or <c>runs</c>.</summary>
    public string? Scope { get; init; }

    /// <summary>Portage extension: the key's runs a minute, or null for no limit.</summary>
    public int? RequestsPerMinute { get; init; }

    /// <summary>Portage extension: the key's tokens a minute, or null for no limit.</summary>
    public long? TokensPerMinute { get; init; }
}

/// <summary>A key as listed: never the key itself.</summary>
public sealed record ApiKeyInfo
{
    /// <summary>Key id.</summary>
    public required string Id { get; init; }

    /// <summary>Name.</summary>
    public required string Name { get; init; }

    /// <summary>The first characters of the key.</summary>
    public required string KeyPrefix { get; init; }

    /// <summary>Expiry, if any.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Last successful authentication.</summary>
    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>Number of authentications.</summary>
    public long UseCount { get; init; }

    /// <summary>Creation time.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Whether the key has expired.</summary>
    public bool IsExpired { get; init; }

    /// <summary>Portage extension: what the key may do, <c>admin</c> or <c>runs</c>.</summary>
    public string? Scope { get; init; }

    /// <summary>Portage extension: the key's runs a minute, or null for no limit.</summary>
    public int? RequestsPerMinute { get; init; }

    /// <summary>Portage extension: the key's tokens a minute, or null for no limit.</summary>
    public long? TokensPerMinute { get; init; }
}

/// <summary>Answer of <c>DELETE /api/v1/api-keys/{id}</c>.</summary>
public sealed record RevokedApiKey(bool Revoked, string Id, string Name);
