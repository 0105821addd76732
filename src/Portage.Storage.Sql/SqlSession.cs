using System.Data.Common;

namespace Portage.Storage.Sql;

/// <summary>
/// An open connection and, once begun, its transaction: every command it runs joins the transaction, and disposing it
/// rolls back what was not committed and gives the connection back.
/// </summary>
/// <param name="connection">The open connection, owned from now on (unless <paramref name="shared"/> owns it).</param>
/// <param name="shared">A write whose transaction its database manages (SQLite's write group), or null.</param>
/// <param name="giveBack">Takes the connection back when the session ends (a database's own pool), instead of closing it.</param>
public sealed class SqlSession(DbConnection connection, ISharedWrite? shared = null, Func<DbConnection, ValueTask>? giveBack = null) : IAsyncDisposable
{
    private DbTransaction? _transaction;

    /// <summary>The open connection.</summary>
    public DbConnection Connection => connection;

    /// <summary>The transaction the session's commands join, if any.</summary>
    public DbTransaction? Transaction => shared is null ? _transaction : shared.Transaction;

    /// <summary>Begins the transaction the following commands join (SQLite: IMMEDIATE, the write lock is taken now).</summary>
    public async Task<SqlSession> BeginAsync(CancellationToken cancellationToken)
    {
        if (shared is not null)
        {
            shared.Begin();
            return this;
        }

        _transaction = await connection.BeginTransactionAsync(cancellationToken);
        return this;
    }

    /// <summary>Commits the transaction; commands after it run outside any transaction.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (shared is not null)
        {
            await shared.CommitAsync();
            return;
        }

        var transaction = _transaction ?? throw new InvalidOperationException("No transaction was begun.");
        await transaction.CommitAsync(cancellationToken);
        _transaction = null;
        await transaction.DisposeAsync();
    }

    /// <summary>A command in the session's transaction.</summary>
    public DbCommand Command(string sql, params (string Name, object? Value)[] parameters) => SqlCommands.Command(connection, Transaction, sql, parameters);

    /// <summary>Runs a statement; the rows it changed.</summary>
    public Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        SqlCommands.ExecuteAsync(connection, Transaction, sql, cancellationToken, parameters);

    /// <summary>Runs a built statement; the rows it changed.</summary>
    public Task<int> ExecuteAsync(SqlStatement statement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statement);
        return ExecuteAsync(statement.Sql, cancellationToken, statement.Parameters);
    }

    /// <summary>Runs a query; each row mapped.</summary>
    public Task<List<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        SqlCommands.QueryAsync(connection, Transaction, sql, map, cancellationToken, parameters);

    /// <summary>Runs a query; its first row mapped, or the default when it has none.</summary>
    public async Task<T?> FirstOrDefaultAsync<T>(string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        (await QueryAsync(sql, map, cancellationToken, parameters)).FirstOrDefault();

    /// <summary>Runs one prepared statement once per row of values (in the order of <paramref name="names"/>); the rows it changed in all.</summary>
    public async Task<int> ExecuteEachAsync(string sql, IReadOnlyList<string> names, IEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(rows);
        return await SqlCommands.RunAsync(connection, SqlCommands.Rent(connection, Transaction, sql), async command =>
        {
            var parameters = new DbParameter[names.Count];
            for (var i = 0; i < names.Count; i++)
            {
                parameters[i] = command.CreateParameter();
                parameters[i].ParameterName = names[i];
                command.Parameters.Add(parameters[i]);
            }

            var changed = 0;
            foreach (var values in rows)
            {
                for (var i = 0; i < parameters.Length; i++)
                {
                    parameters[i].Value = values[i] ?? DBNull.Value;
                }

                changed += await command.ExecuteNonQueryAsync(cancellationToken);
            }

            return changed;
        });
    }

    /// <summary>Rolls back an uncommitted transaction and closes the connection (or gives it back).</summary>
    public async ValueTask DisposeAsync()
    {
        if (shared is not null)
        {
            await shared.EndAsync();
            return;
        }

        if (_transaction is not null)
        {
            await _transaction.DisposeAsync();
            _transaction = null;
        }

        if (giveBack is not null)
        {
            await giveBack(connection);
            return;
        }

        await connection.DisposeAsync();
    }
}

/// <summary>
/// A write whose transaction its database manages rather than the session's connection (SQLite groups this process's
/// writes into shared transactions). The session hands it its begin, commit and end.
/// </summary>
public interface ISharedWrite
{
    /// <summary>The transaction the write's commands must join; null once the write has ended.</summary>
    DbTransaction? Transaction { get; }

    /// <summary>The write becomes a transaction: undone if it ends without <see cref="CommitAsync"/>.</summary>
    void Begin();

    /// <summary>Keeps the write; returns once it is durable, or throws when it could not be stored.</summary>
    Task CommitAsync();

    /// <summary>Ends the write: a begun, uncommitted one is undone; one never begun (single statements) is kept.</summary>
    ValueTask EndAsync();
}
