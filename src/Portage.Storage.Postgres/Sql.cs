using Npgsql;

namespace Portage.Storage.Postgres;

/// <summary>Small helpers that keep the store's SQL readable. Commands join the connection's open transaction by themselves.</summary>
internal static class Sql
{
    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;

    /// <summary>An instant as timestamptz stores it: UTC, whole microseconds (truncated, as Npgsql would).</summary>
    public static DateTimeOffset Time(DateTimeOffset value) => new(value.UtcTicks - value.UtcTicks % TicksPerMicrosecond, TimeSpan.Zero);

    /// <summary>
    /// The bound of a <c>column &gt;= bound</c> or <c>column &lt; bound</c> test, rounded up to the next microsecond: on
    /// stored (whole-microsecond) values that gives the answer the exact bound would, where truncating would not.
    /// </summary>
    public static DateTimeOffset LowerBound(DateTimeOffset value)
    {
        var truncated = Time(value);
        return truncated.UtcTicks == value.UtcTicks ? truncated : truncated.AddTicks(TicksPerMicrosecond);
    }

    public static object TimeOrNull(DateTimeOffset? value) => value is { } v ? Time(v) : DBNull.Value;

    public static DateTimeOffset ReadTime(NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static DateTimeOffset? ReadTimeOrNull(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : ReadTime(reader, ordinal);

    public static string? ReadStringOrNull(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<List<T>> QueryAsync<T>(
        NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var results = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            results.Add(map(reader));
        }

        return results;
    }
}
