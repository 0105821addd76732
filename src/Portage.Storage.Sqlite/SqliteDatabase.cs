using System.Globalization;
using Microsoft.Data.Sqlite;
using Portage.Core.Tenancy;

namespace Portage.Storage.Sqlite;

/// <summary>
/// Opens connections to the embedded database and applies the versioned migrations (tracked in
/// <c>PRAGMA user_version</c>) once, before the first use, so a data folder from an older build keeps working.
/// </summary>
/// <param name="connectionString">The SQLite connection string.</param>
/// <param name="ownerOnlyFile">A database file to create (or tighten) owner-only before SQLite first opens it.</param>
public sealed class SqliteDatabase(string connectionString, string? ownerOnlyFile = null) : IDisposable
{
    private readonly SemaphoreSlim _migrationLock = new(1, 1);
    private volatile bool _migrated;

    /// <summary>The database for a file in a data folder: WAL journal, shared pooling.</summary>
    public static SqliteDatabase ForFile(string path)
    {
        DataFolder.CreatePrivateFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 30 };
        return new SqliteDatabase(builder.ToString(), path);
    }

    /// <summary>An open connection with foreign keys on; migrates the schema on first use.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_migrated)
        {
            await MigrateAsync(cancellationToken);
        }

        return await OpenRawAsync(cancellationToken);
    }

    /// <summary>Closes the pooled connections, so the file can be moved or deleted.</summary>
    public void Dispose()
    {
        using (var connection = new SqliteConnection(connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        _migrationLock.Dispose();
    }

    /// <summary>The schema version now in the database.</summary>
    public static int LatestVersion => Migrations().Count;

    private async Task<SqliteConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await _migrationLock.WaitAsync(cancellationToken);
        try
        {
            if (_migrated)
            {
                return;
            }

            if (ownerOnlyFile is not null)
            {
                // The database holds every tenant's conversations: owner-only before SQLite opens it (its -wal and -shm
                // files take the database file's mode).
                DataFolder.CreatePrivateFile(ownerOnlyFile);
                DataFolder.RestrictToOwner(ownerOnlyFile + "-wal");
                DataFolder.RestrictToOwner(ownerOnlyFile + "-shm");
            }

            await using var connection = await OpenRawAsync(cancellationToken);
            await using (var wal = connection.CreateCommand())
            {
                wal.CommandText = "PRAGMA journal_mode = WAL;";
                await wal.ExecuteNonQueryAsync(cancellationToken);
            }

            var version = Convert.ToInt32(await Scalar(connection, "PRAGMA user_version;", cancellationToken), CultureInfo.InvariantCulture);
            var migrations = Migrations();

            // SQLite's procedure for schema changes: foreign keys off (only possible outside a transaction), so a table
            // can be rebuilt under its children; each migration must leave no dangling reference before it commits.
            await Scalar(connection, "PRAGMA foreign_keys = OFF;", cancellationToken);
            for (var i = version; i < migrations.Count; i++)
            {
                await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = migrations[i] + $"\nPRAGMA user_version = {i + 1};";
                await command.ExecuteNonQueryAsync(cancellationToken);
                command.CommandText = "PRAGMA foreign_key_check;";
                if (await command.ExecuteScalarAsync(cancellationToken) is { } table)
                {
                    throw new InvalidOperationException($"Migration {i + 1} left rows of '{table}' pointing at missing rows; the database is unchanged.");
                }

                await transaction.CommitAsync(cancellationToken);
            }

            await Scalar(connection, "PRAGMA foreign_keys = ON;", cancellationToken);

            _migrated = true;
        }
        finally
        {
            _migrationLock.Release();
        }
    }

    private static async Task<object?> Scalar(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static List<string> Migrations()
    {
        var assembly = typeof(SqliteDatabase).Assembly;
        const string prefix = "Portage.Storage.Sqlite.Migrations.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return reader.ReadToEnd();
            })
            .ToList();
    }
}
