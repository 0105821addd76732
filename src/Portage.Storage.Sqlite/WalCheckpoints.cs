using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Portage.Storage.Sqlite;

/// <summary>
/// The WAL's checkpoints for the <see cref="WriteGroup"/>, whose connection does not checkpoint on its own
/// (<c>wal_autocheckpoint = 0</c>). SQLite would checkpoint inside the commit that crosses its threshold, and a write that
/// happened to cross it waited for the copy and its fsyncs (about 10 ms on the benchmark's disk, one run in twenty to
/// forty) before its commit returned. Here the group's writes are told first. Under load (writes waiting) the checkpoint
/// then takes the turn, as SQLite's own does. A lone write leaves it to a connection of its own, so that the next write
/// does not wait for it either; but a checkpoint that copies while frames keep arriving never copies the WAL whole, and
/// only a whole copy lets the WAL start over from its beginning. Once the WAL has grown <see cref="RestartPages"/> since
/// the last whole copy, the next commit finishes the copy in the turn (a few pages) and the WAL starts over.
/// </summary>
internal sealed class WalCheckpoints(Func<CancellationToken, Task<SqliteConnection>> open) : IDisposable
{
    // SQLite's own default: a checkpoint once this many pages went to the WAL since the last one.
    private const int CheckpointPages = 1000;

    // About 8 MB of 4 KB pages. Twice as long cut the tails further, but a lone run's first token came out 0.1–0.5 ms
    // later (docs/benchmarks.md, round 11; measured while reads still went through a memory map, off since round 12).
    private const int RestartPages = 2 * CheckpointPages;

    private int _pagesSinceCheckpoint;
    private int _pagesSinceWhole;
    private SqliteConnection? _beside;
    private Task _running = Task.CompletedTask;

    /// <summary>Called in the write turn after each commit of <paramref name="writer"/>, once its writes were told.</summary>
    public void AfterCommit(sqlite3 writer, bool writesWaiting)
    {
        raw.sqlite3_db_status(writer, raw.SQLITE_DBSTATUS_CACHE_WRITE, out var written, out _, 1);
        _pagesSinceCheckpoint += written;
        _pagesSinceWhole += written;
        if (writesWaiting ? _pagesSinceCheckpoint >= CheckpointPages : _pagesSinceWhole >= RestartPages)
        {
            _pagesSinceCheckpoint = 0;
            var rc = raw.sqlite3_wal_checkpoint_v2(writer, null, raw.SQLITE_CHECKPOINT_PASSIVE, out var log, out var copied);
            if (rc == raw.SQLITE_OK && log == copied)
            {
                _pagesSinceWhole = 0;
            }
        }
        else if (_pagesSinceCheckpoint >= CheckpointPages && _running.IsCompleted)
        {
            _pagesSinceCheckpoint = 0;
            _running = Task.Run(CheckpointBesideAsync, CancellationToken.None);
        }
    }

    /// <summary>Waits for a checkpoint under way and closes its connection.</summary>
    public void Dispose()
    {
        // Without rethrowing: a checkpoint that failed is only one the next would have made.
        _running.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Wait();
        _beside?.Dispose();
    }

    // A passive checkpoint never waits for readers or writers; what it could not copy, the next one does.
    private async Task CheckpointBesideAsync()
    {
        try
        {
            _beside ??= await open(CancellationToken.None);
            raw.sqlite3_wal_checkpoint_v2(_beside.Handle, null, raw.SQLITE_CHECKPOINT_PASSIVE, out _, out _);
        }
        catch (Exception ex) when (ex is SqliteException or InvalidOperationException or IOException)
        {
            _beside?.Dispose();
            _beside = null;
        }
    }
}
