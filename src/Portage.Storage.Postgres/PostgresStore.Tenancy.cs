using Npgsql;
using Portage.Core;
using Portage.Core.Tenancy;

namespace Portage.Storage.Postgres;

/// <summary>
/// The PostgreSQL store: one class, one database, every seam of the engine. Safe for several router processes on one
/// database: what must not race (window leases, job claims, turn numbering, read-modify-write updates) is one atomic
/// statement or a row lock.
/// </summary>
public sealed partial class PostgresStore(PostgresDatabase database) : IPortageStore
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
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Sql.ExecuteAsync(connection, "INSERT INTO accounts (id, created_at) VALUES (@id, @at)", cancellationToken,
            ("@id", accountId), ("@at", Sql.Time(createdAt)));
        await InsertSandboxAsync(connection, sandbox, "", cancellationToken);
        await InsertKeyAsync(connection, key, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task CreateApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await InsertKeyAsync(connection, key, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<ApiKeyRecord?> FindApiKeyByHashAsync(string keyHash, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection, $"SELECT {KeyColumns} FROM api_keys WHERE key_hash = @hash AND revoked_at IS NULL",
            ReadKey, cancellationToken, ("@hash", keyHash));
        return rows.FirstOrDefault();
    }

    /// <inheritdoc/>
    public async Task TouchApiKeyAsync(string keyId, DateTimeOffset usedAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await Sql.ExecuteAsync(connection, "UPDATE api_keys SET last_used_at = @at, use_count = use_count + 1 WHERE id = @id", cancellationToken,
            ("@at", Sql.Time(usedAt)), ("@id", keyId));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string accountId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.QueryAsync(connection, $"SELECT {KeyColumns} FROM api_keys WHERE account_id = @account AND revoked_at IS NULL ORDER BY created_at, id",
            ReadKey, cancellationToken, ("@account", accountId));
    }

    /// <inheritdoc/>
    public async Task<ApiKeyRevocation> RevokeApiKeyAsync(string accountId, string keyId, DateTimeOffset revokedAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Revocations of one account take turns on its row: two admin keys revoking each other at once would otherwise
        // each see the other still active (read committed) and leave the account with none.
        await Sql.ExecuteAsync(connection, "SELECT 1 FROM accounts WHERE id = @account FOR UPDATE", cancellationToken, ("@account", accountId));
        var rows = await Sql.QueryAsync(connection,
            "UPDATE api_keys SET revoked_at = @at WHERE id = @id AND account_id = @account AND revoked_at IS NULL " +
            "AND (scope <> 'admin' OR EXISTS (SELECT 1 FROM api_keys AS other WHERE other.account_id = @account AND other.id <> @id " +
            "AND other.scope = 'admin' AND other.revoked_at IS NULL AND (other.expires_at IS NULL OR other.expires_at > @at))) " +
            $"RETURNING {KeyColumns}",
            ReadKey, cancellationToken, ("@at", Sql.Time(revokedAt)), ("@id", keyId), ("@account", accountId));
        var kept = rows.Count == 0
            ? await Sql.QueryAsync(connection, $"SELECT {KeyColumns} FROM api_keys WHERE id = @id AND account_id = @account AND revoked_at IS NULL",
                ReadKey, cancellationToken, ("@id", keyId), ("@account", accountId))
            : [];
        await transaction.CommitAsync(cancellationToken);
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
        await using var connection = await database.OpenAsync(cancellationToken);
        // Only the (owner, name) clash is an answer; any other constraint failure is a real error.
        return await InsertSandboxAsync(connection, sandbox, " ON CONFLICT ON CONSTRAINT ux_sandboxes_owner_name DO NOTHING", cancellationToken) == 1;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SandboxRecord>> ListSandboxesAsync(string accountId, string? status, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.QueryAsync(connection,
            $"SELECT {SandboxColumns} FROM sandboxes WHERE account_id = @account AND (@status::text IS NULL OR status = @status) ORDER BY created_at, id",
            ReadSandbox, cancellationToken, ("@account", accountId), ("@status", status));
    }

    /// <inheritdoc/>
    public async Task<SandboxRecord?> GetSandboxAsync(string accountId, string sandboxId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection, $"SELECT {SandboxColumns} FROM sandboxes WHERE id = @id AND account_id = @account",
            ReadSandbox, cancellationToken, ("@id", sandboxId), ("@account", accountId));
        return rows.FirstOrDefault();
    }

    private static Task<int> InsertKeyAsync(NpgsqlConnection connection, ApiKeyRecord key, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection,
            "INSERT INTO api_keys (id, account_id, name, key_prefix, key_hash, created_at, expires_at, scope) VALUES (@id, @account, @name, @prefix, @hash, @at, @expires, @scope)",
            cancellationToken,
            ("@id", key.Id), ("@account", key.AccountId), ("@name", key.Name), ("@prefix", key.KeyPrefix), ("@hash", key.KeyHash),
            ("@at", Sql.Time(key.CreatedAt)), ("@expires", Sql.TimeOrNull(key.ExpiresAt)), ("@scope", key.Scope));

    private static Task<int> InsertSandboxAsync(NpgsqlConnection connection, SandboxRecord sandbox, string onConflict, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection,
            "INSERT INTO sandboxes (id, account_id, owner_id, name, tier, status, metadata, created_at) " +
            "VALUES (@id, @account, @owner, @name, @tier, @status, @metadata::json, @at)" + onConflict,
            cancellationToken,
            ("@id", sandbox.Id), ("@account", sandbox.AccountId), ("@owner", sandbox.OwnerId), ("@name", sandbox.Name), ("@tier", sandbox.Tier),
            ("@status", sandbox.Status), ("@metadata", sandbox.MetadataJson), ("@at", Sql.Time(sandbox.CreatedAt)));

    private static ApiKeyRecord ReadKey(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), Sql.ReadTime(r, 5),
        Sql.ReadTimeOrNull(r, 6), Sql.ReadTimeOrNull(r, 7), r.GetInt64(8), Sql.ReadTimeOrNull(r, 9), r.GetString(10));

    private static SandboxRecord ReadSandbox(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), Sql.ReadStringOrNull(r, 6), Sql.ReadTime(r, 7));
}
