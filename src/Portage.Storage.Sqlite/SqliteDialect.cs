using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portage.Storage.Sql;

namespace Portage.Storage.Sqlite;

/// <summary>
/// SQLite's side of the shared statements: instants as fixed-format UTC text (so text order is time order), string
/// lists as JSON arrays read with <c>json_each</c>, no casts and no row locks (each write transaction holds the
/// database's one write lock, and this process's writes queue for it).
/// </summary>
internal sealed class SqliteDialect : SqlDialect
{
    public static readonly SqliteDialect Instance = new();

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private static readonly JsonSerializerOptions s_json = new();

    public override bool SingleWriter => true;

    public override string Greatest => "MAX";

    public static string FormatTime(DateTimeOffset value) => value.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public override object Time(DateTimeOffset value) => FormatTime(value);

    public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) =>
        DateTimeOffset.ParseExact(reader.GetString(ordinal), TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public override object StringList(IEnumerable<string> values) => JsonSerializer.Serialize(values, s_json);

    public override IReadOnlyList<string> ReadStringList(DbDataReader reader, int ordinal) =>
        JsonSerializer.Deserialize<List<string>>(reader.GetString(ordinal), s_json) ?? [];

    public override string InsertOrIgnore(string rest) => "INSERT OR IGNORE INTO " + rest;

    public override string InList(string column, string parameter) => $"{column} IN (SELECT value FROM json_each({parameter}))";

    public override string Overlaps(string column, string parameter) =>
        $"EXISTS (SELECT 1 FROM json_each({column}) p WHERE p.value IN (SELECT value FROM json_each({parameter})))";

    public override string Rows(string parameter) => $"json_each({parameter})";

    public override string JsonSet(string json, params (string Key, string Value)[] members) =>
        $"json_set({json}, {string.Join(", ", members.Select(m => $"'$.{m.Key}', {m.Value}"))})";

    public override string JoinText(string column, string separator, string orderBy) => $"group_concat({column}, {separator} ORDER BY {orderBy})";

    public override string JsonSum(string column, string key) => $"COALESCE(SUM(json_extract({column}, '$.{key}')), 0)";

    // Times are stored as fixed-format UTC text, so the first ten characters are the UTC day.
    public override string UtcDay(string column) => $"substr({column}, 1, 10)";

    // SQLite names the columns of a failed unique constraint, not the constraint: any uniqueness failure counts
    // (SQLITE_CONSTRAINT_UNIQUE).
    public override bool IsUniqueViolation(DbException exception, string constraint) => exception is SqliteException { SqliteExtendedErrorCode: 2067 };
}
