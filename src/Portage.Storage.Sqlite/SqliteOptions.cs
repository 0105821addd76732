namespace Portage.Storage.Sqlite;

/// <summary>Settings of the embedded store (<c>Storage:Sqlite</c>).</summary>
public sealed class SqliteOptions
{
    /// <summary>
    /// How long a write waits for its turn among this process's writes before the request is refused with 503
    /// <c>storage_busy</c> (the run path retries its final commit instead).
    /// </summary>
    public int WriteWaitSeconds { get; set; } = 30;

    /// <summary>How long SQLite waits for a lock held by another process sharing the file (a second router, a backup).</summary>
    public int BusyTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// How much of the database file SQLite reads through a memory map instead of a read call per page (0 turns it off).
    /// Every pooled connection re-reads pages another connection's commit changed; mapped, those reads are memory reads.
    /// Address space only: the operating system's page cache holds the pages either way.
    /// </summary>
    public long MmapSizeMegabytes { get; set; } = 256;
}
