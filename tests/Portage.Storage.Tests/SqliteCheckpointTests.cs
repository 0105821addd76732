using Microsoft.Data.Sqlite;
using Portage.Storage.Sqlite;

namespace Portage.Storage.Tests;

/// <summary>
/// The write group checkpoints the WAL itself, after its writes were told they are in the file: beside the writer when
/// writes come one at a time, in the write turn under load. Either way what was written reaches the database file, and
/// the WAL starts over instead of growing with every write (a checkpoint beside a writer that never pauses cannot copy
/// the WAL whole by itself).
/// </summary>
public sealed class SqliteCheckpointTests : IDisposable
{
    // Four pages of 4 KB a row: 3,000 rows are 12,000 pages (48 MB), twelve checkpoints' worth and six times the size
    // at which the WAL must start over.
    private const int RowBytes = 16 * 1024;
    private const int Rows = 3_000;

    // The WAL's longest: the restart threshold (2,000 pages, 8 MB), what the writer adds while checkpoints copy beside
    // it, and slack. Without restarts it would hold all 48 MB written.
    private const long WalBound = 32L * 1024 * 1024;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portage-storage-tests", Guid.NewGuid().ToString("N"));

    private string File => Path.Combine(_folder, "portage.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Writes_one_at_a_time_reach_the_database_file_and_the_wal_starts_over()
    {
        using (var database = SqliteDatabase.ForFile(File))
        {
            await CreateTableAsync(database);
            for (var i = 0; i < Rows; i++)
            {
                await InsertAsync(database, i);
            }

            await AssertCheckpointedAsync();
        }

        await AssertRowsAsync();
    }

    [Fact]
    public async Task Writes_under_load_reach_the_database_file_and_the_wal_starts_over()
    {
        using (var database = SqliteDatabase.ForFile(File))
        {
            await CreateTableAsync(database);
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
            {
                for (int i; (i = Interlocked.Increment(ref next)) < Rows;)
                {
                    await InsertAsync(database, i);
                }
            })));

            await AssertCheckpointedAsync();
        }

        await AssertRowsAsync();
    }

    private static async Task CreateTableAsync(SqliteDatabase database)
    {
        await using var write = await database.OpenWriteSessionAsync(CancellationToken.None);
        await write.ExecuteAsync("CREATE TABLE IF NOT EXISTS checkpoint_rows (n INTEGER PRIMARY KEY, payload BLOB NOT NULL)", CancellationToken.None);
    }

    private static async Task InsertAsync(SqliteDatabase database, int n)
    {
        await using var write = await database.OpenWriteSessionAsync(CancellationToken.None);
        await write.BeginAsync(CancellationToken.None);
        await write.ExecuteAsync("INSERT INTO checkpoint_rows (n, payload) VALUES (@n, randomblob(@bytes))", CancellationToken.None, ("@n", n), ("@bytes", RowBytes));
        await write.CommitAsync(CancellationToken.None);
    }

    // Read back through a new database object once the first is disposed (its checkpoint under way finished).
    private async Task AssertRowsAsync()
    {
        SqliteConnection.ClearAllPools();
        using var database = SqliteDatabase.ForFile(File);
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), sum(length(payload)) FROM checkpoint_rows";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(Rows, reader.GetInt64(0));
        Assert.Equal((long)Rows * RowBytes, reader.GetInt64(1));
    }

    // While the database is open: a WAL that starts over is written again from its beginning and its file never shrinks
    // (no journal_size_limit), so its length once the writes are done is the longest it was.
    private async Task AssertCheckpointedAsync()
    {
        var wal = new FileInfo(File + "-wal").Length;
        Assert.True(wal < WalBound, $"The WAL grew to {wal:N0} bytes.");
        await WaitForAsync(() => new FileInfo(File).Length >= (Rows - 500L) * RowBytes, "the rows to be copied into the database file");
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(20);
        }
    }
}
