using System.Data.Common;
using Microsoft.Data.Sqlite;
using Portage.Core.Errors;
using Portage.Storage.Sql;
using SQLitePCL;

namespace Portage.Storage.Sqlite;

/// <summary>
/// This process's writes to the file, one at a time and in arrival order, committed in groups. SQLite takes one writer
/// at a time, and most of a small transaction's cost is its commit: the WAL frames of every page it touched, their
/// checksums and the lock calls. Writes that queue behind one another share a transaction instead: each runs in a
/// savepoint of its own on one writer connection (so one that fails is rolled back alone), and the transaction commits
/// when no write waits or the group is full. Every write's commit (and a write session disposed
/// without a transaction) returns only after the group's commit, so nothing is acknowledged before it is in the file.
/// </summary>
/// <remarks>
/// Left to itself, every waiting writer would block a thread in SQLite's busy handler, which sleeps and retries in no
/// particular order: under load the thread pool starves and an unlucky writer waits past any timeout ("database is
/// locked"). Here writers wait asynchronously for their turn; SQLite's busy wait is left for other processes sharing the
/// file. Reads never queue: WAL lets them run beside the writer, and they see a group's writes once it commits.
/// </remarks>
internal sealed class WriteGroup(Func<CancellationToken, Task<SqliteConnection>> open, SqliteOptions options) : IDisposable
{
    private const string Savepoint = "portage_write";

    // Past this many writes a group commits even with more waiting: a write's commit waits for the group's, so a
    // longer group adds to every write's latency (a run's first token waits for its start to commit) for less and less
    // saved per write.
    private const int MaxWrites = 8;

    // SQLite's own default: a checkpoint once this many pages went to the WAL since the last one.
    private const int CheckpointPages = 1000;

    // A WAL this long (about 8 MB of 4 KB pages) that checkpoints beside the writer did not copy whole is copied whole
    // in the write turn, so that it starts over.
    private const int RestartPages = 2 * CheckpointPages;

    private readonly SemaphoreSlim _turn = new(1, 1);
    private SqliteConnection? _connection;
    private StatementCache? _statements;
    private SqliteTransaction? _transaction;
    private TaskCompletionSource? _committed;
    private int _writes;
    private int _waiting;
    private bool _commitQueued;
    private int _pagesSinceCheckpoint;
    private int _pagesSinceWhole;
    private SqliteConnection? _checkpointer;
    private Task _checkpoint = Task.CompletedTask;

    /// <summary>Waits for this process's write turn and opens a write in the current group (or a new one).</summary>
    public async Task<SqlSession> OpenAsync(CancellationToken cancellationToken)
    {
        var wait = TimeSpan.FromSeconds(Math.Max(1, options.WriteWaitSeconds));
        bool entered;
        Interlocked.Increment(ref _waiting);
        try
        {
            entered = await _turn.WaitAsync(wait, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        if (!entered)
        {
            throw StorageBusyException.Saturated(wait);
        }

        try
        {
            if (_connection is not { State: System.Data.ConnectionState.Open })
            {
                CloseConnection();
                _connection = await open(cancellationToken);
                _statements = StatementCache.Attach(_connection);
            }

            if (_transaction is null)
            {
                _transaction = _connection.BeginTransaction(deferred: false);
                _committed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _writes = 0;
            }

            _writes++;

            Execute($"SAVEPOINT {Savepoint};");
            return new SqlSession(_connection, new GroupedWrite(this, _transaction));
        }
        catch (Exception ex)
        {
            // The savepoint never began, so the group's earlier writes are untouched, unless SQLite ended the transaction.
            if (_transaction is not null && !InTransaction)
            {
                FailGroup(ex);
            }

            LeaveTurn();
            throw;
        }
    }

    /// <summary>
    /// Ends the write holding the turn: kept (released into the group) or undone (rolled back to its savepoint). A kept
    /// write waits for the group's commit and throws when the group could not commit.
    /// </summary>
    public async Task EndAsync(bool keep)
    {
        var committed = _committed!;
        try
        {
            Execute(keep ? $"RELEASE {Savepoint};" : $"ROLLBACK TO {Savepoint}; RELEASE {Savepoint};");
            if (!InTransaction)
            {
                throw new InvalidOperationException("SQLite ended the write group's transaction.");
            }
        }
        catch (Exception ex)
        {
            // A statement that failed badly enough (disk full, I/O error) makes SQLite roll back the whole transaction:
            // the group's earlier writes are gone too, and each of them is told so.
            FailGroup(ex);
            LeaveTurn();
            if (keep)
            {
                throw;
            }

            return;
        }

        LeaveTurn();
        if (keep)
        {
            await committed.Task;
        }
    }

    /// <summary>Commits what is pending, lets a checkpoint under way finish and closes the connections.</summary>
    public void Dispose()
    {
        if (_transaction is not null)
        {
            CommitGroup();
        }

        _checkpoint.Wait();
        _checkpointer?.Dispose();
        CloseConnection();
        _turn.Dispose();
    }

    private bool InTransaction => _connection?.Handle is { } handle && SQLitePCL.raw.sqlite3_get_autocommit(handle) == 0;

    private void CloseConnection()
    {
        _statements?.Dispose();
        _statements = null;
        _connection?.Dispose();
        _connection = null;
    }

    private void Execute(string sql)
    {
        var command = _statements?.Take(sql) ?? SqlCommands.Command(_connection!, null, sql);
        try
        {
            command.Transaction = _transaction;
            command.ExecuteNonQuery();
        }
        catch
        {
            command.Dispose();
            throw;
        }

        if (_statements?.GiveBack(command) != true)
        {
            command.Dispose();
        }
    }

    // Gives the turn back. An open group commits now when nobody waits or it is full; otherwise the next writer joins it,
    // and a commit also queues behind the writers waiting now, in case they all give up before their turn.
    private void LeaveTurn()
    {
        if (_transaction is not null)
        {
            if (Volatile.Read(ref _waiting) == 0 || _writes >= MaxWrites)
            {
                CommitGroup();
            }
            else if (!_commitQueued)
            {
                _commitQueued = true;
                _ = CommitQueuedAsync();
            }
        }

        _turn.Release();
    }

    private async Task CommitQueuedAsync()
    {
        await _turn.WaitAsync(CancellationToken.None);
        _commitQueued = false;
        if (_transaction is not null)
        {
            CommitGroup();
        }

        _turn.Release();
    }

    private void CommitGroup()
    {
        var transaction = _transaction!;
        var committed = _committed!;
        _transaction = null;
        _committed = null;
        try
        {
            transaction.Commit();
            committed.TrySetResult();
        }
        catch (Exception ex)
        {
            RollBackQuietly(transaction);
            committed.TrySetException(ex);
        }
        finally
        {
            transaction.Dispose();
        }

        CheckpointIfDue();
    }

    // The writer connection does not checkpoint on its own (wal_autocheckpoint = 0): SQLite would do it inside the
    // commit, and a write that happened to cross the threshold waited for the copy and its fsyncs (about 10 ms on the
    // benchmark's disk, for one run in twenty to forty) before its commit returned. Here the group's writes are told
    // first. Under load (writes waiting) the checkpoint then takes the turn, as SQLite's own does. A lone write leaves it
    // to a connection of its own, so that the next write does not wait for it either; but a checkpoint that copies while
    // frames keep arriving never copies the WAL whole, and only a whole copy lets the WAL start over from its beginning.
    // Once the WAL has grown past RestartPages that way, the next commit finishes the copy in the turn: a few pages, and
    // the WAL starts over with the next write.
    private void CheckpointIfDue()
    {
        if (_connection?.Handle is not { } handle)
        {
            return;
        }

        raw.sqlite3_db_status(handle, raw.SQLITE_DBSTATUS_CACHE_WRITE, out var written, out _, 1);
        _pagesSinceCheckpoint += written;
        _pagesSinceWhole += written;
        if (Volatile.Read(ref _waiting) > 0 ? _pagesSinceCheckpoint >= CheckpointPages : _pagesSinceWhole >= RestartPages)
        {
            _pagesSinceCheckpoint = 0;
            var rc = raw.sqlite3_wal_checkpoint_v2(handle, null, raw.SQLITE_CHECKPOINT_PASSIVE, out var log, out var copied);
            if (rc == raw.SQLITE_OK && log == copied)
            {
                _pagesSinceWhole = 0;
            }
        }
        else if (_pagesSinceCheckpoint >= CheckpointPages && _checkpoint.IsCompleted)
        {
            _pagesSinceCheckpoint = 0;
            _checkpoint = Task.Run(CheckpointAsync, CancellationToken.None);
        }
    }

    // A passive checkpoint never waits for readers or writers; what it could not copy, the next one does.
    private async Task CheckpointAsync()
    {
        try
        {
            _checkpointer ??= await open(CancellationToken.None);
            raw.sqlite3_wal_checkpoint_v2(_checkpointer.Handle, null, raw.SQLITE_CHECKPOINT_PASSIVE, out _, out _);
        }
        catch (Exception ex) when (ex is SqliteException or InvalidOperationException or IOException)
        {
            _checkpointer?.Dispose();
            _checkpointer = null;
        }
    }

    private void FailGroup(Exception failure)
    {
        var transaction = _transaction!;
        var committed = _committed!;
        _transaction = null;
        _committed = null;
        RollBackQuietly(transaction);
        transaction.Dispose();
        committed.TrySetException(failure);
    }

    private static void RollBackQuietly(DbTransaction transaction)
    {
        try
        {
            transaction.Rollback();
        }
        catch (Exception ex) when (ex is SqliteException or InvalidOperationException)
        {
            // Already rolled back by SQLite itself.
        }
    }
}

/// <summary>
/// One write of a <see cref="WriteGroup"/>: its commands run in the group's transaction, inside a savepoint of its own.
/// Committed, it joins the group and returns once the group is committed; ended after a begun transaction that was not
/// committed, it is rolled back; ended without one (single statements), what it wrote is kept, as autocommit would.
/// </summary>
internal sealed class GroupedWrite(WriteGroup group, SqliteTransaction transaction) : ISharedWrite
{
    private bool _begun;
    private bool _ended;

    /// <inheritdoc/>
    public DbTransaction? Transaction => _ended ? null : transaction;

    /// <inheritdoc/>
    public void Begin()
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        _begun = true;
    }

    /// <inheritdoc/>
    public async Task CommitAsync()
    {
        if (!_begun || _ended)
        {
            throw new InvalidOperationException("No transaction was begun.");
        }

        _ended = true;
        await group.EndAsync(keep: true);
    }

    /// <inheritdoc/>
    public async ValueTask EndAsync()
    {
        if (!_ended)
        {
            _ended = true;
            await group.EndAsync(keep: !_begun);
        }
    }
}
