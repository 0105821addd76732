using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Portage.Core.Errors;
using Portage.Core.Tenancy;
using Portage.Storage.Sql;

namespace Portage.Storage.Sqlite;

/// <summary>
/// Opens connections to the embedded database and applies the versioned migrations (tracked in
/// <c>PRAGMA user_version</c>) once, before the first use, so a data folder from an older build keeps working.
/// </summary>
/// <remarks>
/// SQLite takes one writer at a time: this process's writes queue in <see cref="WriteGroup"/>, in arrival order and
/// without blocking a thread, and those that queue together share a transaction. Reads never queue: WAL lets them run
/// beside the writer.
/// </remarks>
/// <param name="connectionString">The SQLite connection string.</param>
/// <param name="options">Write queue and busy timeouts.</param>
/// <param name="ownerOnlyFile">A database file to create (or tighten) owner-only before SQLite first opens it.</param>
public sealed class SqliteDatabase(string connectionString, SqliteOptions? options = null, string? ownerOnlyFile = null) : ISqlDatabase, IDisposable
{
    // The native connections the per-connection settings were applied to. A pooled connection keeps its native handle
    // (and with it the settings) between opens; a handle is forgotten when the pool closes it.
    private readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> _configured = new();

    // Reader connections kept open between reads at most; more are closed when given back (back to the driver's pool).
    private const int MaxIdleReaders = 16;

    private readonly SemaphoreSlim _migrationLock = new(1, 1);
    private readonly SqliteOptions _options = options ?? new SqliteOptions();
    private readonly ConcurrentStack<SqliteConnection> _idleReaders = new();
    private WriteGroup? _writes;
    private int _idleReaderCount;
    private volatile bool _migrated;
    private volatile bool _disposed;

    // Created on first use: the group's connection is opened (and the schema migrated) by the first write.
    private WriteGroup Writes => LazyInitializer.EnsureInitialized(ref _writes, () => new WriteGroup(OpenGroupWriterAsync, _options));

    /// <summary>The database for a file in a data folder: WAL journal, shared pooling.</summary>
    public static SqliteDatabase ForFile(string path, SqliteOptions? options = null)
    {
        options ??= new SqliteOptions();
        DataFolder.CreatePrivateFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = Math.Max(1, options.BusyTimeoutSeconds),
        };
        return new SqliteDatabase(builder.ToString(), options, path);
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

    /// <summary>
    /// A session for a write: the caller is this process's only writer until it commits or disposes it, and the commit
    /// returns once the write is in the file. Waits its turn asynchronously; past <see cref="SqliteOptions.WriteWaitSeconds"/>
    /// it gives up with <see cref="StorageBusyException"/> (a 503 at the edge) rather than wait without end.
    /// </summary>
    public Task<SqlSession> OpenWriteSessionAsync(CancellationToken cancellationToken) => Writes.OpenAsync(cancellationToken);

    // Each write of a group keeps the pages its savepoint changes in a sub-journal: in memory, not a temporary file (which
    // cost more writes than the grouping saved). The page cache stays SQLite's default: every commit walks all of it.
    private async Task<SqliteConnection> OpenGroupWriterAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        try
        {
            // The write group checkpoints itself, once its writes are told they are in the file.
            await Scalar(connection, "PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 0;", cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    int ISqlDatabase.LatestVersion => LatestVersion;

    // Reads take a connection kept open from an earlier read, with the statements it compiled then: a run reads about
    // ten times, and compiling each query again on a new connection object cost more than running it.
    async Task<SqlSession> ISqlDatabase.OpenReadSessionAsync(CancellationToken cancellationToken)
    {
        if (_idleReaders.TryPop(out var connection))
        {
            Interlocked.Decrement(ref _idleReaderCount);
        }
        else
        {
            connection = await OpenAsync(cancellationToken);
            StatementCache.Attach(connection);
        }

        return new SqlSession(connection, giveBack: KeepReaderAsync);
    }

    private ValueTask KeepReaderAsync(DbConnection connection)
    {
        if (connection is SqliteConnection { State: System.Data.ConnectionState.Open } reader && !_disposed)
        {
            if (Interlocked.Increment(ref _idleReaderCount) <= MaxIdleReaders)
            {
                _idleReaders.Push(reader);
                if (_disposed)
                {
                    // Disposed meanwhile: its Dispose may have emptied the stack before this push.
                    CloseIdleReaders();
                }

                return ValueTask.CompletedTask;
            }

            Interlocked.Decrement(ref _idleReaderCount);
        }

        StatementCache.Detach(connection);
        return connection.DisposeAsync();
    }

    private void CloseIdleReaders()
    {
        while (_idleReaders.TryPop(out var reader))
        {
            Interlocked.Decrement(ref _idleReaderCount);
            StatementCache.Detach(reader);
            reader.Dispose();
        }
    }

    /// <summary>Closes the pooled connections, so the file can be moved or deleted.</summary>
    public void Dispose()
    {
        _disposed = true;
        CloseIdleReaders();
        _writes?.Dispose();
        using (var connection = new SqliteConnection(connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        _migrationLock.Dispose();
    }

    /// <summary>The schema version now in the database.</summary>
    public static int LatestVersion => Migrations().Count;

    /// <summary>
    /// The schema version in the file (<c>PRAGMA user_version</c>), read without migrating; null before this process
    /// migrated it (the migration creates the file owner-only, so nothing opens it before).
    /// </summary>
    public async Task<int?> SchemaVersionAsync(CancellationToken cancellationToken)
    {
        if (!_migrated)
        {
            return null;
        }

        await using var connection = await OpenRawAsync(cancellationToken);
        return Convert.ToInt32(await Scalar(connection, "PRAGMA user_version;", cancellationToken), CultureInfo.InvariantCulture);
    }

    private Task<SqliteConnection> OpenRawAsync(CancellationToken cancellationToken) =>
        PrepareAsync(new SqliteConnection(connectionString), cancellationToken);

    // Opens the connection with the settings every connection needs; a connection that fails to open is closed again.
    private async Task<SqliteConnection> PrepareAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await connection.OpenAsync(cancellationToken);
            // Once per native connection, not per open: a run opens about a dozen pooled connections, and three
            // statements each were a measurable part of its database time.
            if (connection.Handle is { } handle && !_configured.TryGetValue(handle, out _))
            {
                await using var pragma = connection.CreateCommand();
                pragma.CommandText = string.Create(CultureInfo.InvariantCulture,
                    $"PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {Math.Max(1, _options.BusyTimeoutSeconds) * 1000}; PRAGMA synchronous = NORMAL; " +
                    $"PRAGMA mmap_size = {Math.Max(0, _options.MmapSizeMegabytes) * 1024 * 1024};");
                await pragma.ExecuteNonQueryAsync(cancellationToken);
                _configured.AddOrUpdate(handle, _options);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
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

    private static List<string> Migrations() =>
        [.. EmbeddedMigrations.Read(typeof(SqliteDatabase).Assembly, "Portage.Storage.Sqlite.Migrations.").Select(m => m.Text)];
}
