using System.Globalization;

namespace Portage.Core.Limits;

/// <summary>Budget periods in UTC: a day, a calendar month, or all time.</summary>
public static class BudgetPeriods
{
    /// <summary>The period a budget has when it names none.</summary>
    public const string Default = "month";

    /// <summary>The key of the period <paramref name="now"/> falls in: <c>d:yyyy-MM-dd</c>, <c>m:yyyy-MM</c> or <c>total</c>.</summary>
    public static string Key(string period, DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        return period switch
        {
            "day" => "d:" + utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            "total" => "total",
            _ => "m:" + utc.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>When the period <paramref name="now"/> falls in ends (its budget starts again), or null for <c>total</c>.</summary>
    public static DateTimeOffset? ResetsAt(string period, DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        return period switch
        {
            "day" => new DateTimeOffset(utc.Date.AddDays(1), TimeSpan.Zero),
            "total" => null,
            _ => new DateTimeOffset(new DateTime(utc.Year, utc.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1), TimeSpan.Zero),
        };
    }
}
