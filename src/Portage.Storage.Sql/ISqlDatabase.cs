namespace Portage.Storage.Sql;

/// <summary>A SQL store's database: where its connections come from and which schema version it is at.</summary>
public interface ISqlDatabase
{
    /// <summary>The schema version the store's migrations lead to.</summary>
    int LatestVersion { get; }

    /// <summary>A session for reads, on a connection of its own (SQLite: one kept open between reads); migrates the schema on first use.</summary>
    Task<SqlSession> OpenReadSessionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A session for writes, without a transaction until one is begun. SQLite: this process's one writer until it is
    /// committed or disposed; its commit returns once the write is in the database file (see SQLite's write group).
    /// </summary>
    Task<SqlSession> OpenWriteSessionAsync(CancellationToken cancellationToken);

    /// <summary>The schema version now in the database, read without migrating; null when it cannot tell yet.</summary>
    Task<int?> SchemaVersionAsync(CancellationToken cancellationToken);
}
