using System.Data.Common;

namespace Portage.Storage.Sql;

/// <summary>Commands on an open connection, whatever the driver: parameters as (name, value) pairs, null sent as SQL NULL.</summary>
public static class SqlCommands
{
    /// <summary>A command in <paramref name="transaction"/> (which SQLite requires once a transaction is open).</summary>
    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(parameters);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        AddParameters(command, parameters);
        return command;
    }

    /// <summary>Runs a statement; the rows it changed.</summary>
    public static async Task<int> ExecuteAsync(
        DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        return await RunAsync(connection, Rent(connection, transaction, sql, parameters), command => command.ExecuteNonQueryAsync(cancellationToken));
    }

    /// <summary>Runs a query; each row mapped.</summary>
    public static async Task<List<T>> QueryAsync<T>(
        DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(map);
        return await RunAsync(connection, Rent(connection, transaction, sql, parameters), async command =>
        {
            var results = new List<T>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                results.Add(map(reader));
            }

            return results;
        });
    }

    // A command from the connection's statement cache when it has one (compiled already), else a new one; run it with
    // RunAsync.
    internal static DbCommand Rent(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (StatementCache.Of(connection)?.Take(sql) is not { } command)
        {
            return Command(connection, transaction, sql, parameters);
        }

        command.Transaction = transaction;
        if (!SetValues(command.Parameters, parameters))
        {
            command.Parameters.Clear();
            AddParameters(command, parameters);
        }

        return command;
    }

    // A kept command is given the same parameters as when it was made (its SQL text names them): their values are
    // replaced in place, not a new parameter object each a run. False when they differ: the caller then replaces them all.
    private static bool SetValues(DbParameterCollection kept, (string Name, object? Value)[] parameters)
    {
        if (kept.Count != parameters.Length)
        {
            return false;
        }

        for (var i = 0; i < parameters.Length; i++)
        {
            if (!string.Equals(kept[i].ParameterName, parameters[i].Name, StringComparison.Ordinal))
            {
                return false;
            }

            kept[i].Value = parameters[i].Value ?? DBNull.Value;
        }

        return true;
    }

    private static void AddParameters(DbCommand command, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
    }

    // Runs a rented command: given back to the connection's statement cache after it succeeds (disposed when there is
    // none, or it is full), disposed when it fails.
    internal static async Task<T> RunAsync<T>(DbConnection connection, DbCommand command, Func<DbCommand, Task<T>> run)
    {
        T result;
        try
        {
            result = await run(command);
        }
        catch
        {
            await command.DisposeAsync();
            throw;
        }

        if (StatementCache.Of(connection)?.GiveBack(command) != true)
        {
            await command.DisposeAsync();
        }

        return result;
    }

    /// <summary>A string column that may be NULL.</summary>
    public static string? StringOrNull(this DbDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
    }
}
