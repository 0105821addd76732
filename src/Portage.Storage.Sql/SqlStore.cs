using System.Data.Common;
using Portage.Core.Storage;
using Portage.Core;

namespace Portage.Storage.Sql;

/// <summary>
/// What the SQL stores (SQLite, PostgreSQL) share: the statements, column lists and row mappers of every seam of the
/// engine, written once over ADO.NET. A store brings its database, its <see cref="SqlDialect"/> and the few
/// statements that truly differ: full-text search and the ingest claim (and, where it has them, batched inserts).
/// </summary>
/// <remarks>
/// What must not race (window leases, job claims, turn numbering, read-modify-write updates) is one atomic statement
/// or a row lock (<see cref="SqlDialect.Lock"/>); a database without row locks (SQLite) runs every write transaction
/// under its single writer lock instead.
/// </remarks>
/// <param name="database">The store's database.</param>
/// <param name="dialect">The store's SQL dialect.</param>
public abstract partial class SqlStore(ISqlDatabase database, SqlDialect dialect) : IPortageStore
{
    /// <summary>The store's SQL dialect.</summary>
    protected SqlDialect Dialect => dialect;

    /// <inheritdoc/>
    public async Task<StoreReadiness> CheckReadyAsync(CancellationToken cancellationToken) =>
        StoreReadiness.ForSchema(await database.SchemaVersionAsync(cancellationToken), database.LatestVersion);

    /// <summary>A session for reads.</summary>
    protected Task<SqlSession> ReadAsync(CancellationToken cancellationToken) => database.OpenReadSessionAsync(cancellationToken);

    /// <summary>A session for writes, without a transaction.</summary>
    protected Task<SqlSession> WriteAsync(CancellationToken cancellationToken) => database.OpenWriteSessionAsync(cancellationToken);

    /// <summary>A session for writes with its transaction begun.</summary>
    protected async Task<SqlSession> WriteTransactionAsync(CancellationToken cancellationToken)
    {
        var session = await WriteAsync(cancellationToken);
        try
        {
            return await session.BeginAsync(cancellationToken);
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a query on a reader; its first row mapped, or the default when it has none.</summary>
    protected async Task<T?> ReadFirstAsync<T>(string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var db = await ReadAsync(cancellationToken);
        return await db.FirstOrDefaultAsync(sql, map, cancellationToken, parameters);
    }

    /// <summary>Runs a query on a reader; each row mapped.</summary>
    protected async Task<List<T>> ReadListAsync<T>(string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var db = await ReadAsync(cancellationToken);
        return await db.QueryAsync(sql, map, cancellationToken, parameters);
    }

    /// <summary>Runs one statement on a writer, without a transaction; the rows it changed.</summary>
    protected async Task<int> WriteOnceAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var db = await WriteAsync(cancellationToken);
        return await db.ExecuteAsync(sql, cancellationToken, parameters);
    }

    // A statement that only takes row locks: nothing to do where rows are not locked.
    private Task LockRowsAsync(SqlSession db, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        dialect.LocksRows ? db.ExecuteAsync(sql, cancellationToken, parameters) : Task.CompletedTask;
}
