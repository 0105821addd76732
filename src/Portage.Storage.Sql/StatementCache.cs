using System.Data.Common;
using System.Runtime.CompilerServices;

namespace Portage.Storage.Sql;

/// <summary>
/// Commands kept compiled on one long-lived connection, by their SQL text. Microsoft.Data.Sqlite compiles a command's
/// SQL anew for every new command object; on SQLite's one writer connection, which runs every write of the process,
/// compiling the same couple of dozen statements again for every run was a quarter of SQLite's CPU. The commands
/// <see cref="SqlCommands"/> runs on a connection with a cache attached are taken from it and given back after they
/// succeed; a connection without one gets a new command each time, as before.
/// </summary>
public sealed class StatementCache : IDisposable
{
    private static readonly ConditionalWeakTable<DbConnection, StatementCache> s_attached = new();

    private readonly Lock _gate = new();
    private readonly Dictionary<string, DbCommand> _idle = new(StringComparer.Ordinal);
    private readonly int _capacity;

    private StatementCache(int capacity) => _capacity = capacity;

    /// <summary>Keeps up to <paramref name="capacity"/> compiled commands for <paramref name="connection"/> from now on.</summary>
    public static StatementCache Attach(DbConnection connection, int capacity = 128)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var cache = new StatementCache(capacity);
        s_attached.AddOrUpdate(connection, cache);
        return cache;
    }

    /// <summary>Disposes the commands kept for <paramref name="connection"/> and keeps none from now on; call before closing it.</summary>
    public static void Detach(DbConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (s_attached.TryGetValue(connection, out var cache))
        {
            s_attached.Remove(connection);
            cache.Dispose();
        }
    }

    internal static StatementCache? Of(DbConnection connection) => s_attached.TryGetValue(connection, out var cache) ? cache : null;

    /// <summary>A kept command for <paramref name="sql"/>, no longer kept until given back; null when there is none.</summary>
    public DbCommand? Take(string sql)
    {
        lock (_gate)
        {
            return _idle.Remove(sql, out var command) ? command : null;
        }
    }

    /// <summary>Keeps <paramref name="command"/> for its SQL text; false when the cache is full or already has one (then dispose it).</summary>
    public bool GiveBack(DbCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        lock (_gate)
        {
            return _idle.Count < _capacity && _idle.TryAdd(command.CommandText, command);
        }
    }

    /// <summary>Disposes the kept commands (their compiled statements); call before the connection closes.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var command in _idle.Values)
            {
                command.Dispose();
            }

            _idle.Clear();
        }
    }
}
