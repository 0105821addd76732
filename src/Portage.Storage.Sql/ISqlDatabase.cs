using System.Data.Common;

namespace Portage.Storage.Sql;

/// <summary>A SQL store's database: where its connections come from and which schema version it is at.</summary>
public interface ISqlDatabase
{
    /// <summary>The schema version the store's migrations lead to.</summary>
    int LatestVersion { get; }

    /// <summary>An open connection for reads; migrates the schema on first use.</summary>
    Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken);

    /// <summary>An open connection for writes (SQLite: this process's one writer until it is disposed).</summary>
    Task<DbConnection> OpenWriterAsync(CancellationToken cancellationToken);

    /// <summary>The schema version now in the database, read without migrating; null when it cannot tell yet.</summary>
    Task<int?> SchemaVersionAsync(CancellationToken cancellationToken);
}
