using System.Data.Common;
using Microsoft.Data.Sqlite;
using Portage.Core.Errors;
using Portage.Storage.Sql;

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
/// file. Reads never queue: WAL lets them run beside the writer, and they see a group's writes once it commits. The WAL
/// is copied back into the database file after a group's commit, not inside it (<see cref="WalCheckpoints"/>).
/// </remarks>
internal sealed class WriteGroup(Func<CancellationToken, Task<SqliteConnection>> open, SqliteOptions options) : IDisposable
{
    private const string Savepoint = "portage_write";

    // Past this many writes a group commits even with more waiting: a write's commit waits for the group's, so a
    // longer group adds to every write's latency (a run's first token waits for its start to commit) for less and less
    // saved per write.
    private const int MaxWrites = 8;

    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly WalCheckpoints _checkpoints = new(open);
    private SqliteConnection? _connection;
    private StatementCache? _statements;
    private SqliteTransaction? _transaction;
    private TaskCompletionSource? _committed;
    private int _writes;
    private int _waiting;
    private bool _commitQueued;

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

        _checkpoints.Dispose();
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

        // The group's writes were told first: they do not wait for a checkpoint.
        if (_connection?.Handle is { } handle)
        {
            _checkpoints.AfterCommit(handle, writesWaiting: Volatile.Read(ref _waiting) > 0);
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
