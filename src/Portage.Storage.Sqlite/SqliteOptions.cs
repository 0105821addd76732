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
    /// How much of the database file SQLite reads through a memory map instead of a read call per page; 0 (the default)
    /// turns it off. In WAL mode a connection whose read begins after another connection's commit drops its page cache
    /// and unmaps the whole map (SQLite's <c>pagerBeginReadTransaction</c>), so with runs writing all the time every
    /// pooled reader maps the file again and takes a page fault per page it touches, and every unmap flushes the TLB on
    /// every core: a third more page faults and 2.5 times the unmaps of reading with <c>pread</c>, and more CPU a run.
    /// </summary>
    public long MmapSizeMegabytes { get; set; }
}
