using System.Globalization;
using Portage.Core;
using Portage.Core.Runs;
using Portage.Storage.Sql;

namespace Portage.Storage.Sqlite;

// Reads for the console: end users and usage. Usage is summed from the stored usage JSON, so the totals are the same
// numbers each run reported on agent_finish.
public sealed partial class SqliteStore
{
    private const string UsageSums =
        "COUNT(*), " +
        "COALESCE(SUM(json_extract(usage, '$.input_tokens')), 0), " +
        "COALESCE(SUM(json_extract(usage, '$.output_tokens')), 0), " +
        "COALESCE(SUM(json_extract(usage, '$.cache_read_input_tokens')), 0), " +
        "COALESCE(SUM(json_extract(usage, '$.cache_creation_input_tokens')), 0), " +
        "COALESCE(SUM(json_extract(usage, '$.thinking_tokens')), 0), " +
        "COALESCE(SUM(json_extract(usage, '$.cost_microcents')), 0)";

    /// <inheritdoc/>
    public override async Task<IReadOnlyList<EndUserSummary>> ListEndUsersAsync(string sandboxId, ListCursor? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var db = await ReadAsync(cancellationToken);
        // Windows give the count and their last activity; runs give usage and theirs. An end user may have either only
        // (a window created through the API and never run, or runs whose window was deleted).
        var sql =
            "WITH w AS (SELECT end_user_id, COUNT(*) AS n, MAX(last_active_at) AS last FROM data_sources " +
            "           WHERE sandbox_id = @sandbox AND kind = 'ephemeral' AND end_user_id IS NOT NULL GROUP BY end_user_id), " +
            $"r AS (SELECT end_user_id, MAX(COALESCE(finished_at, started_at)) AS last, {UsageSums} FROM runs WHERE sandbox_id = @sandbox GROUP BY end_user_id), " +
            "u AS (SELECT end_user_id FROM w UNION SELECT end_user_id FROM r) " +
            "SELECT u.end_user_id, COALESCE(w.n, 0), " +
            "CASE WHEN w.last IS NULL THEN r.last WHEN r.last IS NULL OR w.last > r.last THEN w.last ELSE r.last END AS last_active, r.* " +
            "FROM u LEFT JOIN w ON w.end_user_id = u.end_user_id LEFT JOIN r ON r.end_user_id = u.end_user_id " +
            "WHERE @at IS NULL OR last_active < @at OR (last_active = @at AND u.end_user_id > @id) " +
            "ORDER BY last_active DESC, u.end_user_id LIMIT @limit";
        return await db.QueryAsync(sql, r => new EndUserSummary(
            r.GetString(0), r.GetInt64(1), Dialect.ReadTimeOrNull(r, 2), r.IsDBNull(5) ? UsageTotals.Zero : ReadTotals(r, 5)),
            cancellationToken, ("@sandbox", sandboxId), ("@at", Dialect.TimeOrNull(after?.At)), ("@id", after?.Id), ("@limit", limit));
    }

    /// <inheritdoc/>
    public override async Task<UsageReport> SummarizeUsageAsync(UsageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.SandboxIds.Count == 0)
        {
            return new UsageReport(UsageTotals.Zero, []);
        }

        var parameters = new List<(string, object?)> { ("@from", Dialect.Time(query.From)), ("@to", Dialect.Time(query.To)) };
        var names = new List<string>(query.SandboxIds.Count);
        for (var i = 0; i < query.SandboxIds.Count; i++)
        {
            var name = "@sb" + i.ToString(CultureInfo.InvariantCulture);
            names.Add(name);
            parameters.Add((name, query.SandboxIds[i]));
        }

        var where = $"FROM runs WHERE sandbox_id IN ({string.Join(", ", names)}) AND started_at >= @from AND started_at < @to";
        await using var db = await ReadAsync(cancellationToken);
        var totals = (await db.QueryAsync($"SELECT {UsageSums} {where}", r => ReadTotals(r, 0), cancellationToken, [.. parameters]))[0];
        if (query.GroupBy is not { } groupBy)
        {
            return new UsageReport(totals, []);
        }

        // Times are stored as fixed-format UTC text, so the first ten characters are the UTC day.
        var (key, columns) = groupBy switch
        {
            UsageGroupBy.Day => ("substr(started_at, 1, 10)", "NULL, NULL"),
            UsageGroupBy.Model => ("provider || '/' || model", "provider, model"),
            UsageGroupBy.EndUser => ("end_user_id", "NULL, NULL"),
            UsageGroupBy.Provider => ("provider", "NULL, NULL"),
            _ => throw new ArgumentOutOfRangeException(nameof(query), groupBy, "Unknown grouping."),
        };
        parameters.Add(("@after", query.GroupsAfter));
        parameters.Add(("@limit", query.GroupLimit));
        var groups = await db.QueryAsync(
            $"SELECT {key}, {columns}, {UsageSums} {where} GROUP BY 1, 2, 3 HAVING @after IS NULL OR {key} > @after ORDER BY 1 LIMIT @limit",
            r => new UsageGroup(r.GetString(0), r.StringOrNull(1), r.StringOrNull(2), ReadTotals(r, 3)),
            cancellationToken, [.. parameters]);
        return new UsageReport(totals, groups);
    }
}
