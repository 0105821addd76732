using System.Data.Common;
using Portage.Core;
using Portage.Core.Retrieval;
using Portage.Core.Runs;

namespace Portage.Storage.Sql;

/// <summary>
/// What the SQL stores (SQLite, PostgreSQL) share: the statements, column lists and row mappers of every seam of the
/// engine, written once over ADO.NET. A store brings its connections, its <see cref="SqlDialect"/> and the few
/// statements that truly differ: full-text search, the ingest claim and usage sums (and, where it has them, batched inserts).
/// </summary>
/// <remarks>
/// What must not race (window leases, job claims, turn numbering, read-modify-write updates) is one atomic statement
/// or a row lock (<see cref="SqlDialect.Lock"/>); a database without row locks (SQLite) runs every write transaction
/// under its single writer lock instead.
/// </remarks>
/// <param name="dialect">The store's SQL dialect.</param>
public abstract partial class SqlStore(SqlDialect dialect) : IPortageStore
{
    /// <summary>The store's SQL dialect.</summary>
    protected SqlDialect Dialect => dialect;

    /// <inheritdoc/>
    public abstract Task<StoreReadiness> CheckReadyAsync(CancellationToken cancellationToken);

    /// <inheritdoc/>
    public abstract Task<IReadOnlyList<ChunkHit>> SearchAsync(ContentQuery query, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public abstract Task<IReadOnlyList<EndUserSummary>> ListEndUsersAsync(string sandboxId, ListCursor? after, int limit, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public abstract Task<UsageReport> SummarizeUsageAsync(UsageQuery query, CancellationToken cancellationToken);

    /// <summary>An open connection for reads.</summary>
    protected abstract Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken);

    /// <summary>An open connection for writes (SQLite: this process's one writer until it is disposed).</summary>
    protected abstract Task<DbConnection> OpenWriterAsync(CancellationToken cancellationToken);

    /// <summary>A session for reads.</summary>
    protected async Task<SqlSession> ReadAsync(CancellationToken cancellationToken) => new(await OpenReaderAsync(cancellationToken));

    /// <summary>A session for writes, without a transaction.</summary>
    protected async Task<SqlSession> WriteAsync(CancellationToken cancellationToken) => new(await OpenWriterAsync(cancellationToken));

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

    // A statement that only takes row locks: nothing to do where rows are not locked.
    private Task LockRowsAsync(SqlSession db, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        dialect.LocksRows ? db.ExecuteAsync(sql, cancellationToken, parameters) : Task.CompletedTask;
}
