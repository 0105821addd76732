using System.Text.Json;
using Microsoft.Extensions.Logging;
using Portage.Core.Errors;
using Portage.Core.Signals;
using Portage.Protocol.Tenancy;

namespace Portage.Core.Tenancy;

/// <summary>Authentication, API keys and sandboxes: the tenant side of every request.</summary>
public sealed partial class TenancyService(
    ITenancyStore store, ApiKeyCache keys, SandboxCache sandboxes, IIdGenerator ids, TimeProvider time, IRunSignals signals, ILogger<TenancyService> logger)
{
    private static readonly TimeSpan s_touchInterval = TimeSpan.FromMinutes(1);

    private const string MissingKeyDetail =
        "Send 'Authorization: Bearer <api key>'. The development key is printed at the server's first start and saved in " +
        ".portage/credentials.json. (The official Copass routers omit this header on run(): inject a client that carries it.)";

    /// <summary>Resolves a bearer header to the calling account, or throws 401 <c>unauthorized</c>.</summary>
    public async Task<Caller> AuthenticateAsync(string? authorizationHeader, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(authorizationHeader))
        {
            throw new PortageException(ErrorKind.Unauthorized, "unauthorized", "No API key. " + MissingKeyDetail);
        }

        const string scheme = "Bearer ";
        if (!authorizationHeader.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || authorizationHeader.Length <= scheme.Length)
        {
            throw new PortageException(ErrorKind.Unauthorized, "unauthorized", "The Authorization header is not a bearer token. " + MissingKeyDetail);
        }

        var hash = ApiKeys.Hash(authorizationHeader[scheme.Length..].Trim());
        var now = time.GetUtcNow();
        var record = keys.Find(hash, now);
        if (record is null)
        {
            var revocations = keys.Revocations;
            record = await store.FindApiKeyByHashAsync(hash, cancellationToken);
            if (record is not null)
            {
                keys.Remember(hash, record, now, revocations);
            }
        }

        if (record is null || record.ExpiresAt <= now)
        {
            throw new PortageException(ErrorKind.Unauthorized, "unauthorized",
                "The API key is unknown, revoked or expired. Create a new one with POST /api/v1/api-keys, or use the key in .portage/credentials.json.");
        }

        // last_used_at says whether a key is still in use, to the minute: writing it on every request would cost every
        // call (every streamed run among them) a write transaction for nothing.
        if (record.LastUsedAt is not { } lastUsed || now - lastUsed >= s_touchInterval)
        {
            await TouchQuietlyAsync(record.Id, now, cancellationToken);
            keys.Touched(hash, now);
        }

        return new Caller(record.AccountId, record.Id, record.Scope, record.RequestsPerMinute, record.TokensPerMinute);
    }

    /// <summary>
    /// Throws 403 <c>insufficient_scope</c> unless the caller's key may make a call that needs <paramref name="scope"/>:
    /// an admin key may make every call, a runs key only the calls that need <c>runs</c>.
    /// </summary>
    public static void RequireScope(Caller caller, string scope)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.Scope == ApiKeyScopes.Admin || caller.Scope == scope)
        {
            return;
        }

        throw new PortageException(ErrorKind.Forbidden, "insufficient_scope",
            $"This API key has scope '{caller.Scope}'; this call needs scope '{scope}' (API keys and sandboxes are managed with admin keys). " +
            "Use an admin key, such as the development key in .portage/credentials.json, or have one create a key with \"scope\": \"admin\".");
    }

    /// <summary>The sandbox if it belongs to the caller's account; otherwise 404, whether it exists or not.</summary>
    public async Task<SandboxRecord> GetSandboxAsync(Caller caller, string sandboxId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        // A sandbox kept for another account's request is this caller's 404 as much as the store's answer would be.
        var sandbox = await sandboxes.SandboxAsync(sandboxId, time.GetUtcNow(), () => store.GetSandboxAsync(caller.AccountId, sandboxId, cancellationToken));
        return sandbox is not null && sandbox.AccountId == caller.AccountId
            ? sandbox
            : throw PortageException.NotFound("sandbox_not_found", $"No sandbox '{sandboxId}' for this API key. List yours with GET /api/v1/storage/sandboxes.");
    }

    /// <summary>
    /// The caller's default sandbox, for calls that name none (the OpenAI-compatible routes, the shorthand ingest): the
    /// account's sandbox named <c>default</c> (the one first start made) in whatever state, else its oldest active
    /// sandbox; 404 when it has none.
    /// </summary>
    public async Task<SandboxRecord> GetDefaultSandboxAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return await FindDefaultSandboxAsync(caller.AccountId, cancellationToken)
            ?? throw PortageException.NotFound("sandbox_not_found",
                "This API key's account has no active sandbox. Create one with POST /api/v1/storage/sandboxes, or name one in the X-Portage-Sandbox-Id header.");
    }

    // The sandbox named default is the default whatever its state: suspended or archived, the call is refused (409) by
    // the run or ingest it makes, instead of quietly landing in another sandbox of the account.
    private async Task<SandboxRecord?> FindDefaultSandboxAsync(string accountId, CancellationToken cancellationToken)
    {
        var sandboxes = await store.ListSandboxesAsync(accountId, null, cancellationToken);
        return sandboxes.FirstOrDefault(s => s.Name == "default")
            ?? sandboxes.Where(s => s.Status == SandboxStatus.Active).OrderBy(s => s.CreatedAt).FirstOrDefault();
    }

    /// <summary>Creates a sandbox for the caller.</summary>
    public async Task<SandboxRecord> CreateSandboxAsync(Caller caller, CreateSandboxRequest request, CancellationToken cancellationToken)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 255)
        {
            throw PortageException.BadRequest("invalid_name", "name is required: 1–255 characters.");
        }

        var tier = request.Tier ?? "free";
        if (tier is not ("free" or "pro" or "enterprise"))
        {
            throw PortageException.BadRequest("invalid_tier", "tier must be free, pro or enterprise (or omitted).");
        }

        var sandbox = new SandboxRecord(
            ids.NewId("sb"),
            caller.AccountId,
            string.IsNullOrWhiteSpace(request.OwnerId) ? caller.AccountId : request.OwnerId,
            name,
            tier,
            "active",
            request.Metadata is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } metadata ? metadata.GetRawText() : null,
            time.GetUtcNow());
        if (!await store.CreateSandboxAsync(sandbox, cancellationToken))
        {
            throw PortageException.Conflict("sandbox_exists", $"A sandbox named '{name}' already exists for this owner. Pick another name or reuse it.");
        }

        return sandbox;
    }

    /// <summary>Creates an API key for the caller's account; the plaintext is in the result only.</summary>
    public async Task<(ApiKeyRecord Record, string Key)> CreateApiKeyAsync(Caller caller, CreateApiKeyRequest request, CancellationToken cancellationToken)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 255)
        {
            throw PortageException.BadRequest("invalid_name", "name is required: 1–255 characters, to recognise the key later.");
        }

        if (request.ExpiresInDays is < 1 or > 3650)
        {
            throw PortageException.BadRequest("invalid_expires_in_days", "expires_in_days must be between 1 and 3650, or omitted for a key that does not expire.");
        }

        // A key is made for a backend far more often than for an administrator: the narrow scope is the default.
        var scope = request.Scope ?? ApiKeyScopes.Runs;
        if (!ApiKeyScopes.All.Contains(scope))
        {
            throw PortageException.BadRequest("invalid_scope",
                $"scope must be '{ApiKeyScopes.Admin}' (everything, API keys and sandboxes included) or '{ApiKeyScopes.Runs}' (runs, retrieval, ingest, sources and windows; the default when omitted).");
        }

        var now = time.GetUtcNow();
        var key = ApiKeys.Mint();
        if (request.RequestsPerMinute < 0 || request.TokensPerMinute < 0)
        {
            throw PortageException.BadRequest("invalid_limits", "requests_per_minute and tokens_per_minute are 0 or more, or omitted for no limit.");
        }

        var record = new ApiKeyRecord(ids.NewId("key"), caller.AccountId, name, ApiKeys.VisiblePrefix(key), ApiKeys.Hash(key), now,
            request.ExpiresInDays is { } days ? now.AddDays(days) : null, Scope: scope,
            RequestsPerMinute: request.RequestsPerMinute, TokensPerMinute: request.TokensPerMinute);
        await store.CreateApiKeyAsync(record, cancellationToken);
        return (record, key);
    }

    /// <summary>
    /// Revokes a key of the caller's account (404 when there is no such active key, 409 <c>last_admin_key</c> for the
    /// account's last admin key, so an account always keeps a way to manage its keys), then tells every replica, so
    /// the streams open with the key end (<see cref="RunSignalKind.KeyRevoked"/>).
    /// </summary>
    public async Task<ApiKeyRecord> RevokeApiKeyAsync(Caller caller, string keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var revocation = await store.RevokeApiKeyAsync(caller.AccountId, keyId, time.GetUtcNow(), cancellationToken);
        switch (revocation)
        {
            case { Outcome: ApiKeyRevocationOutcome.Revoked, Key: { } revoked }:
                keys.Drop(revoked.Id);
                await SignalRevokedAsync(revoked.Id);
                return revoked;
            case { Outcome: ApiKeyRevocationOutcome.LastAdminKey, Key: { } last }:
                throw PortageException.Conflict("last_admin_key",
                    $"Key '{last.Id}' ({last.Name}) is the account's last admin key: revoking it would leave no key that can manage keys. " +
                    "Create another key with \"scope\": \"admin\" first (POST /api/v1/api-keys), then revoke this one.");
            default:
                throw PortageException.NotFound("api_key_not_found", $"No active API key '{keyId}' in this account. List them with GET /api/v1/api-keys.");
        }
    }

    /// <summary>
    /// First start: creates the account, its <c>default</c> sandbox and a development key, and returns the key (the
    /// only time it exists in plaintext). Null when an account already exists.
    /// </summary>
    public async Task<(string Key, string SandboxId)?> BootstrapAsync(CancellationToken cancellationToken)
    {
        if (await store.AnyAccountAsync(cancellationToken))
        {
            return null;
        }

        var now = time.GetUtcNow();
        var accountId = ids.NewId("acct");
        var sandbox = new SandboxRecord(ids.NewId("sb"), accountId, accountId, "default", "free", "active", null, now);
        var key = ApiKeys.Mint();
        var record = new ApiKeyRecord(ids.NewId("key"), accountId, "development", ApiKeys.VisiblePrefix(key), ApiKeys.Hash(key), now, null, Scope: ApiKeyScopes.Admin);
        await store.CreateAccountAsync(accountId, now, sandbox, record, cancellationToken);
        return (key, sandbox.Id);
    }

    /// <summary>
    /// A way back for the machine's owner who lost the development key: a new admin key for the account first start
    /// made (made now, as first start would, when there is none) and its <c>default</c> sandbox (its oldest active
    /// sandbox when that was renamed away). Called with the data folder's store directly, never through the API.
    /// </summary>
    public async Task<(string Key, string SandboxId)> CreateLocalAdminKeyAsync(string name, CancellationToken cancellationToken)
    {
        if (await store.FirstAccountIdAsync(cancellationToken) is not { } accountId)
        {
            return (await BootstrapAsync(cancellationToken))!.Value;
        }

        var sandbox = await FindDefaultSandboxAsync(accountId, cancellationToken)
            ?? throw PortageException.Conflict("no_sandbox", $"Account {accountId} has no active sandbox to name in {LocalCredentials.FileName}.");
        var now = time.GetUtcNow();
        var key = ApiKeys.Mint();
        await store.CreateApiKeyAsync(
            new ApiKeyRecord(ids.NewId("key"), accountId, name, ApiKeys.VisiblePrefix(key), ApiKeys.Hash(key), now, null, Scope: ApiKeyScopes.Admin),
            cancellationToken);
        return (key, sandbox.Id);
    }

    // Bookkeeping only: a busy database must not turn a valid key into a failed request. The next request a minute
    // on writes it again.
    private async Task TouchQuietlyAsync(string keyId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await store.TouchApiKeyAsync(keyId, now, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogTouchFailed(logger, ex.GetType().Name, keyId);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Recording the last use of API key {KeyId} failed ({Failure}); the request goes on")]
    private static partial void LogTouchFailed(ILogger logger, string failure, string keyId);

    // The revocation is committed: requests with the key fail from now on, whatever happens here. A signal that cannot be
    // sent only delays the end of the key's open streams until their next look at the store, so it neither fails the
    // revocation nor waits on the caller's cancellation.
    private async Task SignalRevokedAsync(string keyId)
    {
        try
        {
            await signals.PublishAsync(RunSignal.KeyRevoked(keyId), CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRevocationSignalFailed(logger, ex, keyId);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Key {KeyId} is revoked, but the other replicas could not be told at once; their streams with it end at their next key check")]
    private static partial void LogRevocationSignalFailed(ILogger logger, Exception exception, string keyId);
}
