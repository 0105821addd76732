using System.Data.Common;
using Npgsql;
using Portage.Storage.Sql;

namespace Portage.Storage.Postgres;

/// <summary>
/// PostgreSQL's side of the shared statements: instants as timestamptz (whole microseconds), string lists as text
/// arrays, casts where a NULL parameter's type cannot be inferred, JSON parameters cast to their column's type, and row
/// locks, so several router processes can share one database.
/// </summary>
internal sealed class PostgresDialect : SqlDialect
{
    public static readonly PostgresDialect Instance = new();

    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;

    public override bool LocksRows => true;

    public override string Greatest => "GREATEST";

    /// <summary>An instant as timestamptz stores it: UTC, whole microseconds (truncated, as Npgsql would).</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value) => new(value.UtcTicks - value.UtcTicks % TicksPerMicrosecond, TimeSpan.Zero);

    public override object Time(DateTimeOffset value) => Truncate(value);

    // Rounded up to the next microsecond: on stored (whole-microsecond) values that gives the answer the exact bound
    // would, where truncating would not.
    public override object LowerBound(DateTimeOffset value)
    {
        var truncated = Truncate(value);
        return truncated.UtcTicks == value.UtcTicks ? truncated : truncated.AddTicks(TicksPerMicrosecond);
    }

    public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    public override object StringList(IEnumerable<string> values) => values.ToArray();

    public override IReadOnlyList<string> ReadStringList(DbDataReader reader, int ordinal) => reader.GetFieldValue<string[]>(ordinal);

    public override string InsertOrIgnore(string rest) => "INSERT INTO " + rest + " ON CONFLICT DO NOTHING";

    public override string InList(string column, string parameter) => $"{column} = ANY({parameter})";

    public override string Overlaps(string column, string parameter) => $"{column} && {parameter}";

    public override string Rows(string parameter) => $"unnest({parameter}) AS value";

    public override string JsonSet(string json, params (string Key, string Value)[] members) =>
        $"{Jsonb(json)} || jsonb_build_object({string.Join(", ", members.Select(m => $"'{m.Key}', {m.Value}"))})";

    public override string JoinText(string column, string separator, string orderBy) => $"string_agg({column}, {separator} ORDER BY {orderBy})";

    public override string JsonSum(string column, string key) => $"COALESCE(SUM(({column} ->> '{key}')::bigint), 0)::bigint";

    public override string UtcDay(string column) => $"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')";

    public override bool IsUniqueViolation(DbException exception, string constraint) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } e && e.ConstraintName == constraint;

    protected override string Cast(string parameter, string type) => $"{parameter}::{type}";
}
