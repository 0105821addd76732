using System.Data.Common;
using Npgsql;
using Portage.Storage.Sql;

namespace Portage.Storage.Postgres;

/// <summary>
/// The pooled connections to one PostgreSQL database (one <see cref="NpgsqlDataSource"/>) and its versioned schema:
/// the embedded migrations are applied once, before the first use, each in its own transaction. Several router
/// processes may start on one database at once: an advisory lock serializes their migrations, so each is applied once.
/// </summary>
public sealed class PostgresDatabase : ISqlDatabase, IDisposable, IAsyncDisposable
{
    // The advisory lock every Portage process takes to migrate a database ("PORTAGE1" in ASCII).
    private const long MigrationLockKey = 0x504F_5254_4147_4531;

    private const string VersionTable =
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())";

    private readonly NpgsqlDataSource _dataSource;
    private readonly SemaphoreSlim _migrationLock = new(1, 1);
    private volatile bool _migrated;

    /// <summary>A database from an Npgsql connection string (pooling, timeouts and <c>Search Path</c> as it says).</summary>
    public PostgresDatabase(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _dataSource = NpgsqlDataSource.Create(WithDefaults(connectionString));
    }

    /// <summary>Connections a router keeps at most when the connection string does not say (<c>Maximum Pool Size</c>).</summary>
    public const int DefaultMaxPoolSize = 40;

    /// <summary>Statements each connection keeps prepared when the connection string does not say (<c>Max Auto Prepare</c>).</summary>
    public const int DefaultMaxAutoPrepare = 64;

    // Npgsql's own pool default (100) equals PostgreSQL's default max_connections, so one busy router could take every
    // slot and the next connection fails instead of waiting for the pool. A smaller default leaves room for a second
    // replica and for administration. Npgsql prepares nothing unless told: a run sends the same couple of dozen
    // statements, and planning each again was a good part of the database's CPU per run. A connection string that names
    // either setting keeps its own.
    internal static string WithDefaults(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var named = given.Keys.Cast<string>().Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()).ToHashSet();
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!named.Overlaps(["MAXIMUMPOOLSIZE", "MAXPOOLSIZE"]))
        {
            builder.MaxPoolSize = DefaultMaxPoolSize;
        }

        if (!named.Contains("MAXAUTOPREPARE"))
        {
            builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }

        // A connection given back to the pool is reset before its next use: seven statements (RESET ALL, UNLISTEN *,
        // ...) parsed by the server, a dozen times a run. Portage keeps no session state on pooled connections (its
        // locks are transaction-scoped, it sets no settings, the run-signal listener unlistens before it gives its
        // connection back), so there is nothing to reset.
        if (!named.Contains("NORESETONCLOSE"))
        {
            builder.NoResetOnClose = true;
        }

        // Npgsql's default (Prefer) encrypts whenever the server offers TLS, also to a server on this machine, where the
        // bytes never leave it: there TLS protects nothing and cost the router about 1 ms of CPU a run.
        if (!named.Contains("SSLMODE") && builder.Host is { } hosts && hosts.Split(',').All(IsLocal))
        {
            builder.SslMode = SslMode.Disable;
        }

        return builder.ConnectionString;
    }

    // A host on this machine: loopback by name or address (with or without a port), or a Unix socket's folder.
    private static bool IsLocal(string host)
    {
        var name = host.Trim();
        if (name.StartsWith('['))
        {
            name = name[1..Math.Max(1, name.IndexOf(']', StringComparison.Ordinal))];
        }
        else if (name.IndexOf(':', StringComparison.Ordinal) is var colon and > 0 && colon == name.LastIndexOf(':'))
        {
            name = name[..colon];
        }

        return name.StartsWith('/') || name.Equals("localhost", StringComparison.OrdinalIgnoreCase) ||
            (System.Net.IPAddress.TryParse(name, out var address) && System.Net.IPAddress.IsLoopback(address));
    }

    /// <summary>The schema version the embedded migrations lead to.</summary>
    public static int LatestVersion => Migrations().Count;

    /// <summary>
    /// The schema version of the database: the last migration of the unbroken run from 1 that is applied (0: none), or
    /// the highest one when it is beyond this build's; null when the version table does not exist. Never migrates.
    /// </summary>
    public async Task<int?> SchemaVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        List<int> applied;
        try
        {
            applied = await SqlCommands.QueryAsync(connection, null, "SELECT version FROM schema_migrations ORDER BY version", r => r.GetInt32(0), cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }

        // A newer build's migrations make it newer whatever else; otherwise a gap (a migration missing below a later one)
        // counts as the version before the gap.
        if (applied.Count > 0 && applied[^1] > LatestVersion)
        {
            return applied[^1];
        }

        return applied.TakeWhile((version, i) => version == i + 1).Count();
    }

    /// <summary>An open connection from the pool; migrates the schema on first use.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_migrated)
        {
            await MigrateAsync(cancellationToken);
        }

        return await _dataSource.OpenConnectionAsync(cancellationToken);
    }

    int ISqlDatabase.LatestVersion => LatestVersion;

    async Task<SqlSession> ISqlDatabase.OpenReadSessionAsync(CancellationToken cancellationToken) => new(await OpenAsync(cancellationToken));

    // Every connection may write: PostgreSQL takes concurrent writers, and what must not race takes row locks.
    async Task<SqlSession> ISqlDatabase.OpenWriteSessionAsync(CancellationToken cancellationToken) => new(await OpenAsync(cancellationToken));

    /// <summary>
    /// Applies the migrations this database lacks (none when it is up to date). Called by the first
    /// <see cref="OpenAsync"/>; a host calls it at start to fail early when the server cannot be reached.
    /// </summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await _migrationLock.WaitAsync(cancellationToken);
        try
        {
            if (_migrated)
            {
                return;
            }

            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            var applied = await AppliedVersionsAsync(connection, cancellationToken);
            var migrations = Migrations();
            for (var i = 0; i < migrations.Count; i++)
            {
                if (!applied.Contains(i + 1))
                {
                    await ApplyAsync(connection, i + 1, migrations[i], cancellationToken);
                }
            }

            _migrated = true;
        }
        finally
        {
            _migrationLock.Release();
        }
    }

    /// <summary>Closes the pooled connections.</summary>
    public void Dispose()
    {
        _dataSource.Dispose();
        _migrationLock.Dispose();
    }

    /// <summary>Closes the pooled connections.</summary>
    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        _migrationLock.Dispose();
    }

    private static async Task<HashSet<int>> AppliedVersionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // Under the lock, so two processes starting on an empty database never both create the version table.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, cancellationToken);
        await SqlCommands.ExecuteAsync(connection, null, VersionTable, cancellationToken);
        var versions = await SqlCommands.QueryAsync(connection, null, "SELECT version FROM schema_migrations", r => r.GetInt32(0), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return [.. versions];
    }

    // Another process may have applied the migration since the versions were read: it is checked again under the lock.
    private static async Task ApplyAsync(NpgsqlConnection connection, int version, Migration migration, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, cancellationToken);
        var done = await SqlCommands.QueryAsync(connection, null, "SELECT 1 FROM schema_migrations WHERE version = @version", r => 1, cancellationToken, ("@version", version));
        if (done.Count == 0)
        {
            try
            {
                await SqlCommands.ExecuteAsync(connection, null, migration.Text, cancellationToken);
            }
            catch (PostgresException ex)
            {
                throw new InvalidOperationException($"PostgreSQL migration {migration.Name} failed: {ex.MessageText}", ex);
            }

            await SqlCommands.ExecuteAsync(connection, null, "INSERT INTO schema_migrations (version, name) VALUES (@version, @name)", cancellationToken,
                ("@version", version), ("@name", migration.Name));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    // Transaction-scoped: released by the commit or rollback, also when the process dies mid-migration.
    private static Task<int> LockAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        SqlCommands.ExecuteAsync(connection, null, "SELECT pg_advisory_xact_lock(@key)", cancellationToken, ("@key", MigrationLockKey));

    private static List<Migration> Migrations() =>
        [.. EmbeddedMigrations.Read(typeof(PostgresDatabase).Assembly, "Portage.Storage.Postgres.Migrations.").Select(m => new Migration(m.Name, m.Text))];

    private sealed record Migration(string Name, string Text);
}
