using System.Data.Common;
using Portage.Core.Tenancy;

namespace Portage.Storage.Sql;

public abstract partial class SqlStore
{
    private const string KeyColumns = "id, account_id, name, key_prefix, key_hash, created_at, expires_at, last_used_at, use_count, revoked_at, scope, requests_per_minute, tokens_per_minute";
    private const string SandboxColumns = "id, account_id, owner_id, name, tier, status, metadata, created_at, limits";

    /// <inheritdoc/>
    public async Task<bool> AnyAccountAsync(CancellationToken cancellationToken)
    {
        await using var db = await ReadAsync(cancellationToken);
        return (await db.QueryAsync("SELECT 1 FROM accounts LIMIT 1", r => 1, cancellationToken)).Count > 0;
    }

    /// <inheritdoc/>
    public Task<string?> FirstAccountIdAsync(CancellationToken cancellationToken) =>
        ReadFirstAsync("SELECT id FROM accounts ORDER BY created_at, id LIMIT 1", r => r.GetString(0), cancellationToken);

    /// <inheritdoc/>
    public async Task CreateAccountAsync(string accountId, DateTimeOffset createdAt, SandboxRecord sandbox, ApiKeyRecord key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(key);
        await using var db = await WriteTransactionAsync(cancellationToken);
        await db.ExecuteAsync("INSERT INTO accounts (id, created_at) VALUES (@id, @at)", cancellationToken, ("@id", accountId), ("@at", dialect.Time(createdAt)));
        await InsertSandboxAsync(db, sandbox, "", cancellationToken);
        await InsertKeyAsync(db, key, cancellationToken);
        await db.CommitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task CreateApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var db = await WriteAsync(cancellationToken);
        await InsertKeyAsync(db, key, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ApiKeyRecord?> FindApiKeyByHashAsync(string keyHash, CancellationToken cancellationToken) =>
        ReadFirstAsync($"SELECT {KeyColumns} FROM api_keys WHERE key_hash = @hash AND revoked_at IS NULL",
            ReadKey, cancellationToken, ("@hash", keyHash));

    /// <inheritdoc/>
    public Task TouchApiKeyAsync(string keyId, DateTimeOffset usedAt, CancellationToken cancellationToken) =>
        WriteOnceAsync("UPDATE api_keys SET last_used_at = @at, use_count = use_count + 1 WHERE id = @id", cancellationToken,
            ("@at", dialect.Time(usedAt)), ("@id", keyId));

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string accountId, CancellationToken cancellationToken) =>
        await ReadListAsync($"SELECT {KeyColumns} FROM api_keys WHERE account_id = @account AND revoked_at IS NULL ORDER BY created_at, id",
            ReadKey, cancellationToken, ("@account", accountId));

    /// <inheritdoc/>
    public async Task<ApiKeyRevocation> RevokeApiKeyAsync(string accountId, string keyId, DateTimeOffset revokedAt, CancellationToken cancellationToken)
    {
        await using var db = await WriteTransactionAsync(cancellationToken);

        // Revocations of one account take turns on its row (or on SQLite's write lock): two admin keys revoking each
        // other at once would otherwise each see the other still active (read committed) and leave the account with none.
        await LockRowsAsync(db, "SELECT 1 FROM accounts WHERE id = @account FOR UPDATE", cancellationToken, ("@account", accountId));
        var rows = await db.QueryAsync(
            "UPDATE api_keys SET revoked_at = @at WHERE id = @id AND account_id = @account AND revoked_at IS NULL " +
            "AND (scope <> 'admin' OR EXISTS (SELECT 1 FROM api_keys AS other WHERE other.account_id = @account AND other.id <> @id " +
            "AND other.scope = 'admin' AND other.revoked_at IS NULL AND (other.expires_at IS NULL OR other.expires_at > @at))) " +
            $"RETURNING {KeyColumns}",
            ReadKey, cancellationToken, ("@at", dialect.Time(revokedAt)), ("@id", keyId), ("@account", accountId));
        var kept = rows.Count == 0
            ? await db.QueryAsync($"SELECT {KeyColumns} FROM api_keys WHERE id = @id AND account_id = @account AND revoked_at IS NULL",
                ReadKey, cancellationToken, ("@id", keyId), ("@account", accountId))
            : [];
        await db.CommitAsync(cancellationToken);
        return (rows, kept) switch
        {
            ([var revoked], _) => new ApiKeyRevocation(ApiKeyRevocationOutcome.Revoked, revoked),
            (_, [var last]) => new ApiKeyRevocation(ApiKeyRevocationOutcome.LastAdminKey, last),
            _ => new ApiKeyRevocation(ApiKeyRevocationOutcome.NotFound),
        };
    }

    /// <inheritdoc/>
    public async Task<bool> CreateSandboxAsync(SandboxRecord sandbox, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        await using var db = await WriteAsync(cancellationToken);
        // Only the (owner, name) clash is an answer; any other constraint failure is a real error.
        return await InsertSandboxAsync(db, sandbox, " ON CONFLICT (account_id, owner_id, name) DO NOTHING", cancellationToken) == 1;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SandboxRecord>> ListSandboxesAsync(string accountId, string? status, CancellationToken cancellationToken) =>
        await ReadListAsync(
            $"SELECT {SandboxColumns} FROM sandboxes WHERE account_id = @account AND ({dialect.Text("@status")} IS NULL OR status = @status) ORDER BY created_at, id",
            ReadSandbox, cancellationToken, ("@account", accountId), ("@status", status));

    /// <inheritdoc/>
    public Task<SandboxRecord?> GetSandboxAsync(string accountId, string sandboxId, CancellationToken cancellationToken) =>
        ReadFirstAsync($"SELECT {SandboxColumns} FROM sandboxes WHERE id = @id AND account_id = @account",
            ReadSandbox, cancellationToken, ("@id", sandboxId), ("@account", accountId));

    private Task<int> InsertKeyAsync(SqlSession db, ApiKeyRecord key, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            "INSERT INTO api_keys (id, account_id, name, key_prefix, key_hash, created_at, expires_at, scope, requests_per_minute, tokens_per_minute) " +
            "VALUES (@id, @account, @name, @prefix, @hash, @at, @expires, @scope, @rpm, @tpm)",
            cancellationToken,
            ("@id", key.Id), ("@account", key.AccountId), ("@name", key.Name), ("@prefix", key.KeyPrefix), ("@hash", key.KeyHash),
            ("@at", dialect.Time(key.CreatedAt)), ("@expires", dialect.TimeOrNull(key.ExpiresAt)), ("@scope", key.Scope),
            ("@rpm", key.RequestsPerMinute), ("@tpm", key.TokensPerMinute));

    private Task<int> InsertSandboxAsync(SqlSession db, SandboxRecord sandbox, string onConflict, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            "INSERT INTO sandboxes (id, account_id, owner_id, name, tier, status, metadata, created_at, limits) " +
            $"VALUES (@id, @account, @owner, @name, @tier, @status, {dialect.Json("@metadata")}, @at, {dialect.Json("@limits")})" + onConflict,
            cancellationToken,
            ("@id", sandbox.Id), ("@account", sandbox.AccountId), ("@owner", sandbox.OwnerId), ("@name", sandbox.Name), ("@tier", sandbox.Tier),
            ("@status", sandbox.Status), ("@metadata", sandbox.MetadataJson), ("@at", dialect.Time(sandbox.CreatedAt)), ("@limits", sandbox.LimitsJson));

    private ApiKeyRecord ReadKey(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), dialect.ReadTime(r, 5),
        dialect.ReadTimeOrNull(r, 6), dialect.ReadTimeOrNull(r, 7), r.GetInt64(8), dialect.ReadTimeOrNull(r, 9), r.GetString(10),
        r.IsDBNull(11) ? null : r.GetInt32(11), r.IsDBNull(12) ? null : r.GetInt64(12));

    private SandboxRecord ReadSandbox(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.StringOrNull(6), dialect.ReadTime(r, 7), r.StringOrNull(8));
}
