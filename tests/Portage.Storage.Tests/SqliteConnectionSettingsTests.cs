using Microsoft.Data.Sqlite;
using Portage.Storage.Sql;
using Portage.Storage.Sqlite;

namespace Portage.Storage.Tests;

/// <summary>
/// Every connection the store hands out, new or from the pool, reader or writer, has the settings the store relies on:
/// foreign keys enforced, the busy timeout, synchronous NORMAL. They are applied once per native connection.
/// </summary>
public sealed class SqliteConnectionSettingsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portage-storage-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Pooled_readers_and_writers_keep_foreign_keys_the_busy_timeout_synchronous_normal_and_the_memory_map()
    {
        using var database = SqliteDatabase.ForFile(Path.Combine(_folder, "portage.db"), new SqliteOptions { BusyTimeoutSeconds = 7, MmapSizeMegabytes = 3 });

        for (var i = 0; i < 4; i++)
        {
            await using (var reader = await database.OpenAsync(CancellationToken.None))
            {
                await AssertSettingsAsync(reader);
            }

            await using var writer = await database.OpenWriteSessionAsync(CancellationToken.None);
            await AssertSettingsAsync((SqliteConnection)writer.Connection);
        }
    }

    [Fact]
    public async Task By_default_readers_and_the_writer_read_pages_with_read_calls_not_through_a_memory_map()
    {
        // Under writes a reader's memory map is dropped at each read's start (see SqliteOptions.MmapSizeMegabytes).
        using var database = SqliteDatabase.ForFile(Path.Combine(_folder, "portage.db"));

        await using (var reader = await database.OpenAsync(CancellationToken.None))
        {
            Assert.Equal(0L, await ScalarAsync(reader, "PRAGMA mmap_size;"));
        }

        await using var writer = await database.OpenWriteSessionAsync(CancellationToken.None);
        Assert.Equal(0L, await ScalarAsync((SqliteConnection)writer.Connection, "PRAGMA mmap_size;"));
    }

    [Fact]
    public async Task A_read_session_gives_its_connection_back_for_the_next_read_and_dispose_closes_it()
    {
        var database = SqliteDatabase.ForFile(Path.Combine(_folder, "portage.db"));
        ISqlDatabase sql = database;
        SqliteConnection first;
        await using (var read = await sql.OpenReadSessionAsync(CancellationToken.None))
        {
            first = (SqliteConnection)read.Connection;
            Assert.Equal(1L, await ScalarAsync(first, "PRAGMA foreign_keys;"));
        }

        await using (var again = await sql.OpenReadSessionAsync(CancellationToken.None))
        {
            Assert.Same(first, again.Connection);
            Assert.Equal(System.Data.ConnectionState.Open, first.State);

            // Two reads at once take two connections.
            await using var beside = await sql.OpenReadSessionAsync(CancellationToken.None);
            Assert.NotSame(first, beside.Connection);
        }

        database.Dispose();
        Assert.Equal(System.Data.ConnectionState.Closed, first.State);
    }

    private static async Task AssertSettingsAsync(SqliteConnection connection)
    {
        Assert.Equal(1L, await ScalarAsync(connection, "PRAGMA foreign_keys;"));
        Assert.Equal(7_000L, await ScalarAsync(connection, "PRAGMA busy_timeout;"));
        Assert.Equal(1L, await ScalarAsync(connection, "PRAGMA synchronous;"));
        Assert.Equal(3L * 1024 * 1024, await ScalarAsync(connection, "PRAGMA mmap_size;"));
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }
}
