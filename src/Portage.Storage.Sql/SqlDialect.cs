using System.Data.Common;

namespace Portage.Storage.Sql;

/// <summary>
/// Where the SQL of two databases differs within a statement both stores share: how values are bound and read back
/// (times, string lists), a few spellings (casts, upsert, row locks, list parameters) and how a driver reports a
/// uniqueness failure. The shared statements name their parameters <c>@name</c>, which both drivers accept.
/// </summary>
public abstract class SqlDialect
{
    /// <summary>
    /// Whether the writes of this process queue for one writer (SQLite): a check that may refuse is then read on a
    /// reader first, so a refused request does not take a writer's turn.
    /// </summary>
    public virtual bool SingleWriter => false;

    /// <summary>Whether the database takes row locks (<c>SELECT … FOR UPDATE</c>); without them a lock-only statement is skipped.</summary>
    public virtual bool LocksRows => false;

    /// <summary>The name of the function that returns the largest of its arguments (not the aggregate).</summary>
    public abstract string Greatest { get; }

    /// <summary>An instant as the database stores it.</summary>
    public abstract object Time(DateTimeOffset value);

    /// <summary>An instant as the database stores it, or SQL NULL.</summary>
    public object TimeOrNull(DateTimeOffset? value) => value is { } v ? Time(v) : DBNull.Value;

    /// <summary>
    /// The bound of a <c>column &gt;= bound</c> or <c>column &lt; bound</c> test, for a database that stores instants
    /// with less precision than <see cref="DateTimeOffset"/>: the default is the stored value itself.
    /// </summary>
    public virtual object LowerBound(DateTimeOffset value) => Time(value);

    /// <summary>An instant read back.</summary>
    public abstract DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

    /// <summary>An instant read back, or null.</summary>
    public DateTimeOffset? ReadTimeOrNull(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : ReadTime(reader, ordinal);

    /// <summary>A list of strings as the database stores it (a JSON array, a text array).</summary>
    public abstract object StringList(IEnumerable<string> values);

    /// <summary>A list of strings read back.</summary>
    public abstract IReadOnlyList<string> ReadStringList(DbDataReader reader, int ordinal);

    /// <summary>A parameter (or NULL) that may be NULL, typed as text where the database must know its type.</summary>
    public string Text(string parameter) => Cast(parameter, "text");

    /// <summary>A parameter that may be NULL, typed as an instant where the database must know its type.</summary>
    public string Timestamp(string parameter) => Cast(parameter, "timestamptz");

    /// <summary>A parameter that may be NULL, typed as a string list where the database must know its type.</summary>
    public string TextList(string parameter) => Cast(parameter, "text[]");

    /// <summary>A parameter bound to a JSON column.</summary>
    public string Json(string parameter) => Cast(parameter, "json");

    /// <summary>A parameter bound to a binary JSON column.</summary>
    public string Jsonb(string parameter) => Cast(parameter, "jsonb");

    /// <summary>A row-locking clause (<c>FOR UPDATE</c>) with its leading space, or nothing where rows are not locked.</summary>
    public string Lock(string clause) => LocksRows ? " " + clause : "";

    /// <summary>An <c>INSERT INTO</c> statement (<paramref name="rest"/>: table, columns, values) that skips a row already there.</summary>
    public abstract string InsertOrIgnore(string rest);

    /// <summary>A test that <paramref name="column"/> is one of the strings of a list parameter.</summary>
    public abstract string InList(string column, string parameter);

    /// <summary>A test that a string-list column shares a string with a list parameter.</summary>
    public abstract string Overlaps(string column, string parameter);

    /// <summary>A list parameter as a table of one column, <c>value</c>.</summary>
    public abstract string Rows(string parameter);

    /// <summary>A JSON object with members set (added or replaced): keys are literals, values are SQL expressions.</summary>
    public abstract string JsonSet(string json, params (string Key, string Value)[] members);

    /// <summary>The text values of a column over the rows, in the order of <paramref name="orderBy"/>, joined by <paramref name="separator"/> (an SQL expression); null without rows.</summary>
    public abstract string JoinText(string column, string separator, string orderBy);

    /// <summary>The sum over the rows of an integer member of a JSON column, 0 without rows, as a 64-bit integer.</summary>
    public abstract string JsonSum(string column, string key);

    /// <summary>The UTC day (<c>yyyy-MM-dd</c>) of an instant column.</summary>
    public abstract string UtcDay(string column);

    /// <summary>Whether an error is a uniqueness failure of the named constraint (as far as the driver tells it).</summary>
    public abstract bool IsUniqueViolation(DbException exception, string constraint);

    /// <summary>A parameter cast to a type where the database needs it; the default leaves it as it is.</summary>
    protected virtual string Cast(string parameter, string type) => parameter;
}
