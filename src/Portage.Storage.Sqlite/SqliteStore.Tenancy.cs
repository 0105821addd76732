using Microsoft.Data.Sqlite;
using Portage.Core;
using Portage.Core.Tenancy;

namespace Portage.Storage.Sqlite;

/// <summary>The embedded store: one class, one database, every seam of the engine.</summary>
public sealed partial class SqliteStore(SqliteDatabase database) : IPortageStore
{
    private const string KeyColumns = "id, account_id, name, key_prefix, key_hash, created_at, expires_at, last_used_at, use_count, revoked_at, scope";
    private const string SandboxColumns = "id, account_id, owner_id, name, tier, status, metadata, created_at";

    /// <inheritdoc/>
    public async Task<bool> AnyAccountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection, "SELECT 1 FROM accounts LIMIT 1", r => 1, cancellationToken);
        return rows.Count > 0;
    }

    /// <inheritdoc/>
    public async Task<string?> FirstAccountIdAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection, "SELECT id FROM accounts ORDER BY created_at, id LIMIT 1", r => r.GetString(0), cancellationToken);
        return rows.Count > 0 ? rows[0] : null;
    }

    /// <inheritdoc/>
    public async Task CreateAccountAsync(string accountId, DateTimeOffset createdAt, SandboxRecord sandbox, ApiKeyRecord key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenWriterAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await Sql.ExecuteAsync(connection, "INSERT INTO accounts (id, created_at) VALUES ($id, $at)", cancellationToken, transaction,
            ("$id", accountId), ("$at", Sql.Time(createdAt)));
        await InsertSandboxAsync(connection, transaction, sandbox, cancellationToken);
        await InsertKeyAsync(connection, transaction, key, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task CreateApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenWriterAsync(cancellationToken);
        await InsertKeyAsync(connection, null, key, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<ApiKeyRecord?> FindApiKeyByHashAsync(string keyHash, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection, $"SELECT {KeyColumns} FROM api_keys WHERE key_hash = $hash AND revoked_at IS NULL",
            ReadKey, cancellationToken, null, ("$hash", keyHash));
        return rows.FirstOrDefault();
    }

    /// <inheritdoc/>
    public async Task TouchApiKeyAsync(string keyId, DateTimeOffset usedAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenWriterAsync(cancellationToken);
        await Sql.ExecuteAsync(connection, "UPDATE api_keys SET last_used_at = $at, use_count = use_count + 1 WHERE id = $id", cancellationToken, null,
            ("$at", Sql.Time(usedAt)), ("$id", keyId));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string accountId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.QueryAsync(connection, $"SELECT {KeyColumns} FROM api_keys WHERE account_id = $account AND revoked_at IS NULL ORDER BY created_at, id",
            ReadKey, cancellationToken, null, ("$account", accountId));
    }

    /// <inheritdoc/>
    public async Task<ApiKeyRevocation> RevokeApiKeyAsync(string accountId, string keyId, DateTimeOffset revokedAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenWriterAsync(cancellationToken);

        // One statement: SQLite runs it under its write lock, so the last-admin check cannot race another revocation.
        var rows = await Sql.QueryAsync(connection,
            $"UPDATE api_keys SET revoked_at = $at WHERE id = $id AND account_id = $account AND revoked_at IS NULL " +
            "AND (scope <> 'admin' OR EXISTS (SELECT 1 FROM api_keys AS other WHERE other.account_id = $account AND other.id <> $id " +
            "AND other.scope = 'admin' AND other.revoked_at IS NULL AND (other.expires_at IS NULL OR other.expires_at > $at))) " +
            $"RETURNING {KeyColumns}",
            ReadKey, cancellationToken, null, ("$at", Sql.Time(revokedAt)), ("$id", keyId), ("$account", accountId));
        if (rows is [var revoked])
        {
            return new ApiKeyRevocation(ApiKeyRevocationOutcome.Revoked, revoked);
        }

        var kept = await Sql.QueryAsync(connection, $"SELECT {KeyColumns} FROM api_keys WHERE id = $id AND account_id = $account AND revoked_at IS NULL",
            ReadKey, cancellationToken, null, ("$id", keyId), ("$account", accountId));
        return kept is [var last] ? new ApiKeyRevocation(ApiKeyRevocationOutcome.LastAdminKey, last) : new ApiKeyRevocation(ApiKeyRevocationOutcome.NotFound);
    }

    /// <inheritdoc/>
    public async Task<bool> CreateSandboxAsync(SandboxRecord sandbox, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenWriterAsync(cancellationToken);
        try
        {
            await InsertSandboxAsync(connection, null, sandbox, cancellationToken);
            return true;
        }
        catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == 2067 && ex.Message.Contains("sandboxes.owner_id", StringComparison.Ordinal))
        {
            // SQLITE_CONSTRAINT_UNIQUE on (account_id, owner_id, name); any other constraint failure is a real error.
            return false;
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SandboxRecord>> ListSandboxesAsync(string accountId, string? status, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.QueryAsync(connection,
            $"SELECT {SandboxColumns} FROM sandboxes WHERE account_id = $account AND ($status IS NULL OR status = $status) ORDER BY created_at, id",
            ReadSandbox, cancellationToken, null, ("$account", accountId), ("$status", status));
    }

    /// <inheritdoc/>
    public async Task<SandboxRecord?> GetSandboxAsync(string accountId, string sandboxId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection, $"SELECT {SandboxColumns} FROM sandboxes WHERE id = $id AND account_id = $account",
            ReadSandbox, cancellationToken, null, ("$id", sandboxId), ("$account", accountId));
        return rows.FirstOrDefault();
    }

    private static Task<int> InsertKeyAsync(SqliteConnection connection, SqliteTransaction? transaction, ApiKeyRecord key, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection,
            "INSERT INTO api_keys (id, account_id, name, key_prefix, key_hash, created_at, expires_at, scope) VALUES ($id, $account, $name, $prefix, $hash, $at, $expires, $scope)",
            cancellationToken, transaction,
            ("$id", key.Id), ("$account", key.AccountId), ("$name", key.Name), ("$prefix", key.KeyPrefix), ("$hash", key.KeyHash),
            ("$at", Sql.Time(key.CreatedAt)), ("$expires", Sql.TimeOrNull(key.ExpiresAt)), ("$scope", key.Scope));

    private static Task<int> InsertSandboxAsync(SqliteConnection connection, SqliteTransaction? transaction, SandboxRecord sandbox, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection,
            "INSERT INTO sandboxes (id, account_id, owner_id, name, tier, status, metadata, created_at) VALUES ($id, $account, $owner, $name, $tier, $status, $metadata, $at)",
            cancellationToken, transaction,
            ("$id", sandbox.Id), ("$account", sandbox.AccountId), ("$owner", sandbox.OwnerId), ("$name", sandbox.Name), ("$tier", sandbox.Tier),
            ("$status", sandbox.Status), ("$metadata", sandbox.MetadataJson), ("$at", Sql.Time(sandbox.CreatedAt)));

    private static ApiKeyRecord ReadKey(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), Sql.ReadTime(r, 5),
        Sql.ReadTimeOrNull(r, 6), Sql.ReadTimeOrNull(r, 7), r.GetInt64(8), Sql.ReadTimeOrNull(r, 9), r.GetString(10));

    private static SandboxRecord ReadSandbox(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), Sql.ReadStringOrNull(r, 6), Sql.ReadTime(r, 7));
}
