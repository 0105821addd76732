using System.Globalization;
using Microsoft.Data.Sqlite;
using Portage.Core.Runs;
using Portage.Core.Storage;

namespace Portage.Storage.Sqlite;

// Reads for the console: run listing, end users and usage. Usage is summed from the stored usage JSON, so the totals
// are the same numbers each run reported on agent_finish.
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
    public async Task<IReadOnlyList<RunRecord>> ListRunsAsync(
        string sandboxId, RunFilter filter, RunCursor? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = $"SELECT {RunColumns} FROM runs WHERE sandbox_id = $sandbox " +
            "AND ($window IS NULL OR window_id = $window) AND ($status IS NULL OR status = $status) AND ($user IS NULL OR end_user_id = $user) " +
            (after is null ? "" : "AND (started_at < $afterAt OR (started_at = $afterAt AND id < $afterId)) ") +
            "ORDER BY started_at DESC, id DESC LIMIT $limit";
        return await Sql.QueryAsync(connection, sql, ReadRun, cancellationToken, null,
            ("$sandbox", sandboxId), ("$window", filter.WindowId), ("$status", filter.Status), ("$user", filter.EndUserId),
            ("$afterAt", after is null ? null : Sql.Time(after.StartedAt)), ("$afterId", after?.RunId), ("$limit", limit));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<EndUserSummary>> ListEndUsersAsync(string sandboxId, ListCursor? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await database.OpenAsync(cancellationToken);
        // Windows give the count and their last activity; runs give usage and theirs. An end user may have either only
        // (a window created through the API and never run, or runs whose window was deleted).
        var sql =
            "WITH w AS (SELECT end_user_id, COUNT(*) AS n, MAX(last_active_at) AS last FROM data_sources " +
            "           WHERE sandbox_id = $sandbox AND kind = 'ephemeral' AND end_user_id IS NOT NULL GROUP BY end_user_id), " +
            $"r AS (SELECT end_user_id, MAX(COALESCE(finished_at, started_at)) AS last, {UsageSums} FROM runs WHERE sandbox_id = $sandbox GROUP BY end_user_id), " +
            "u AS (SELECT end_user_id FROM w UNION SELECT end_user_id FROM r) " +
            "SELECT u.end_user_id, COALESCE(w.n, 0), " +
            "CASE WHEN w.last IS NULL THEN r.last WHEN r.last IS NULL OR w.last > r.last THEN w.last ELSE r.last END AS last_active, r.* " +
            "FROM u LEFT JOIN w ON w.end_user_id = u.end_user_id LEFT JOIN r ON r.end_user_id = u.end_user_id " +
            "WHERE $at IS NULL OR last_active < $at OR (last_active = $at AND u.end_user_id > $id) " +
            "ORDER BY last_active DESC, u.end_user_id LIMIT $limit";
        return await Sql.QueryAsync(connection, sql, r => new EndUserSummary(
            r.GetString(0), r.GetInt64(1), Sql.ReadTimeOrNull(r, 2), r.IsDBNull(5) ? UsageTotals.Zero : ReadTotals(r, 5)),
            cancellationToken, null, ("$sandbox", sandboxId), ("$at", Sql.TimeOrNull(after?.At)), ("$id", after?.Id), ("$limit", limit));
    }

    /// <inheritdoc/>
    public async Task<UsageReport> SummarizeUsageAsync(UsageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.SandboxIds.Count == 0)
        {
            return new UsageReport(UsageTotals.Zero, []);
        }

        var parameters = new List<(string, object?)> { ("$from", Sql.Time(query.From)), ("$to", Sql.Time(query.To)) };
        var names = new List<string>(query.SandboxIds.Count);
        for (var i = 0; i < query.SandboxIds.Count; i++)
        {
            var name = "$sb" + i.ToString(CultureInfo.InvariantCulture);
            names.Add(name);
            parameters.Add((name, query.SandboxIds[i]));
        }

        var where = $"FROM runs WHERE sandbox_id IN ({string.Join(", ", names)}) AND started_at >= $from AND started_at < $to";
        await using var connection = await database.OpenAsync(cancellationToken);
        var totals = (await Sql.QueryAsync(connection, $"SELECT {UsageSums} {where}", r => ReadTotals(r, 0), cancellationToken, null, [.. parameters]))[0];
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
        parameters.Add(("$after", query.GroupsAfter));
        parameters.Add(("$limit", query.GroupLimit));
        var groups = await Sql.QueryAsync(connection,
            $"SELECT {key}, {columns}, {UsageSums} {where} GROUP BY 1, 2, 3 HAVING $after IS NULL OR {key} > $after ORDER BY 1 LIMIT $limit",
            r => new UsageGroup(r.GetString(0), Sql.ReadStringOrNull(r, 1), Sql.ReadStringOrNull(r, 2), ReadTotals(r, 3)),
            cancellationToken, null, [.. parameters]);
        return new UsageReport(totals, groups);
    }

    private static UsageTotals ReadTotals(SqliteDataReader r, int first) => new(
        r.GetInt64(first), r.GetInt64(first + 1), r.GetInt64(first + 2), r.GetInt64(first + 3), r.GetInt64(first + 4), r.GetInt64(first + 5),
        r.GetInt64(first + 6));
}
