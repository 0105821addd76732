namespace Portage.Core.Tenancy;

/// <summary>Storage seam for accounts, API keys and sandboxes.</summary>
public interface ITenancyStore
{
    /// <summary>Whether any account exists (first start creates one).</summary>
    Task<bool> AnyAccountAsync(CancellationToken cancellationToken);

    /// <summary>The oldest account (the one first start made), or null when there is none.</summary>
    Task<string?> FirstAccountIdAsync(CancellationToken cancellationToken);

    /// <summary>Creates an account with its first sandbox and key in one transaction.</summary>
    Task CreateAccountAsync(string accountId, DateTimeOffset createdAt, SandboxRecord sandbox, ApiKeyRecord key, CancellationToken cancellationToken);

    /// <summary>Adds a key.</summary>
    Task CreateApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken);

    /// <summary>The non-revoked key with this hash, or null.</summary>
    Task<ApiKeyRecord?> FindApiKeyByHashAsync(string keyHash, CancellationToken cancellationToken);

    /// <summary>Counts a successful authentication.</summary>
    Task TouchApiKeyAsync(string keyId, DateTimeOffset usedAt, CancellationToken cancellationToken);

    /// <summary>The non-revoked keys of an account.</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>
    /// Revokes a key of the account, unless it is the account's last active (not revoked, not expired at
    /// <paramref name="revokedAt"/>) admin key: that check and the revocation are atomic, so two admin keys revoking
    /// each other at once leave one. <see cref="ApiKeyRevocationOutcome.NotFound"/> when the account has no such active key.
    /// </summary>
    Task<ApiKeyRevocation> RevokeApiKeyAsync(string accountId, string keyId, DateTimeOffset revokedAt, CancellationToken cancellationToken);

    /// <summary>Adds a sandbox; false when its account already has one with that owner and name (other accounts never collide).</summary>
    Task<bool> CreateSandboxAsync(SandboxRecord sandbox, CancellationToken cancellationToken);

    /// <summary>The sandboxes of an account, optionally by status.</summary>
    Task<IReadOnlyList<SandboxRecord>> ListSandboxesAsync(string accountId, string? status, CancellationToken cancellationToken);

    /// <summary>A sandbox of the account, or null (also for another account's sandbox).</summary>
    Task<SandboxRecord?> GetSandboxAsync(string accountId, string sandboxId, CancellationToken cancellationToken);

    /// <summary>A sandbox by id, whatever its account (for the engine, which checks access before), or null.</summary>
    Task<SandboxRecord?> FindSandboxAsync(string sandboxId, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a sandbox's name, metadata, status and limits (its id and account identify it); false when its account
    /// already has another sandbox with that owner and name.
    /// </summary>
    Task<bool> UpdateSandboxAsync(SandboxRecord sandbox, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes a sandbox of the account and every row that belongs to it (sources, windows and turns, sessions, runs and
    /// their frames, ingest jobs, indexed content, deliveries, spending and rate records) in one transaction; refused
    /// while one of its runs is running.
    /// </summary>
    Task<SandboxDestruction> DestroySandboxAsync(string accountId, string sandboxId, CancellationToken cancellationToken);
}
