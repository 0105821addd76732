using System.Data.Common;
using Portage.Core.Runs;
using Portage.Core.Storage;

namespace Portage.Storage.Sql;

// Reads for the console: end users and usage. Usage is summed from the stored usage JSON, so the totals are the same
// numbers each run reported on agent_finish.
public abstract partial class SqlStore
{
    private static readonly string[] s_usageKeys =
        ["input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "thinking_tokens", "cost_microcents"];

    // The later of an end user's last window activity and last run; either may be missing.
    private const string LastActive = "CASE WHEN w.last IS NULL THEN r.last WHEN r.last IS NULL OR w.last > r.last THEN w.last ELSE r.last END";

    // Seven columns, read by ReadTotals: the run count, then the sums.
    private string UsageSums => "COUNT(*), " + string.Join(", ", s_usageKeys.Select(key => dialect.JsonSum("usage", key)));

    /// <inheritdoc/>
    public async Task<IReadOnlyList<EndUserSummary>> ListEndUsersAsync(string sandboxId, ListCursor? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        // Windows give the count and their last activity; runs give usage and theirs. An end user may have either only
        // (a window created through the API and never run, or runs whose window was deleted).
        var sql =
            "WITH w AS (SELECT end_user_id, COUNT(*) AS n, MAX(last_active_at) AS last FROM data_sources " +
            "           WHERE sandbox_id = @sandbox AND kind = 'ephemeral' AND end_user_id IS NOT NULL GROUP BY end_user_id), " +
            $"r AS (SELECT end_user_id, MAX(COALESCE(finished_at, started_at)) AS last, {UsageSums} FROM runs WHERE sandbox_id = @sandbox GROUP BY end_user_id), " +
            "u AS (SELECT end_user_id FROM w UNION SELECT end_user_id FROM r) " +
            $"SELECT u.end_user_id, COALESCE(w.n, 0), {LastActive} AS last_active, r.* " +
            "FROM u LEFT JOIN w ON w.end_user_id = u.end_user_id LEFT JOIN r ON r.end_user_id = u.end_user_id " +
            $"WHERE {dialect.Timestamp("@at")} IS NULL OR {LastActive} < @at OR ({LastActive} = @at AND u.end_user_id > {dialect.Text("@id")}) " +
            "ORDER BY last_active DESC NULLS LAST, u.end_user_id LIMIT @limit";
        return await ReadListAsync(sql, r => new EndUserSummary(
            r.GetString(0), r.GetInt64(1), dialect.ReadTimeOrNull(r, 2), r.IsDBNull(5) ? UsageTotals.Zero : ReadTotals(r, 5)),
            cancellationToken, ("@sandbox", sandboxId), ("@at", dialect.TimeOrNull(after?.At)), ("@id", after?.Id), ("@limit", limit));
    }

    /// <inheritdoc/>
    public async Task<UsageReport> SummarizeUsageAsync(UsageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.SandboxIds.Count == 0)
        {
            return new UsageReport(UsageTotals.Zero, [], []);
        }

        (string, object?)[] parameters =
            [("@sandboxes", dialect.StringList(query.SandboxIds)), ("@from", dialect.LowerBound(query.From)), ("@to", dialect.LowerBound(query.To))];
        var where = $"FROM runs WHERE {dialect.InList("sandbox_id", "@sandboxes")} AND started_at >= @from AND started_at < @to";
        await using var db = await ReadAsync(cancellationToken);
        var totals = (await db.QueryAsync($"SELECT {UsageSums} {where}", r => ReadTotals(r, 0), cancellationToken, parameters))[0];
        // copass-compat §7.6's by_model, whatever the grouping.
        var byModel = await db.QueryAsync(
            $"SELECT provider || '/' || model, provider, model, {UsageSums} {where} GROUP BY 1, 2, 3 ORDER BY 1",
            r => new UsageGroup(r.GetString(0), r.StringOrNull(1), r.StringOrNull(2), ReadTotals(r, 3)), cancellationToken, parameters);
        if (query.GroupBy is not { } groupBy)
        {
            return new UsageReport(totals, [], byModel);
        }

        var (key, columns) = groupBy switch
        {
            UsageGroupBy.Day => (dialect.UtcDay("started_at"), $"{dialect.Text("NULL")}, {dialect.Text("NULL")}"),
            UsageGroupBy.Model => ("provider || '/' || model", "provider, model"),
            UsageGroupBy.EndUser => ("end_user_id", $"{dialect.Text("NULL")}, {dialect.Text("NULL")}"),
            UsageGroupBy.Provider => ("provider", $"provider, {dialect.Text("NULL")}"),
            _ => throw new ArgumentOutOfRangeException(nameof(query), groupBy, "Unknown grouping."),
        };
        var groups = await db.QueryAsync(
            $"SELECT {key}, {columns}, {UsageSums} {where} GROUP BY 1, 2, 3 HAVING {dialect.Text("@after")} IS NULL OR {key} > @after ORDER BY 1 LIMIT @limit",
            r => new UsageGroup(r.GetString(0), r.StringOrNull(1), r.StringOrNull(2), ReadTotals(r, 3)),
            cancellationToken, [.. parameters, ("@after", query.GroupsAfter), ("@limit", query.GroupLimit)]);
        return new UsageReport(totals, groups, byModel);
    }

    private static UsageTotals ReadTotals(DbDataReader r, int first) => new(
        r.GetInt64(first), r.GetInt64(first + 1), r.GetInt64(first + 2), r.GetInt64(first + 3), r.GetInt64(first + 4), r.GetInt64(first + 5),
        r.GetInt64(first + 6));
}
