using Portage.Core;
using Portage.Core.Runs;
using Portage.Storage.Sql;

namespace Portage.Storage.Postgres;

// Reads for the console: end users and usage. Usage is summed from the stored usage JSON, so the totals
// are the same numbers each run reported on agent_finish.
public sealed partial class PostgresStore
{
    private const string UsageSums =
        "COUNT(*), " +
        "COALESCE(SUM((usage ->> 'input_tokens')::bigint), 0)::bigint, " +
        "COALESCE(SUM((usage ->> 'output_tokens')::bigint), 0)::bigint, " +
        "COALESCE(SUM((usage ->> 'cache_read_input_tokens')::bigint), 0)::bigint, " +
        "COALESCE(SUM((usage ->> 'cache_creation_input_tokens')::bigint), 0)::bigint, " +
        "COALESCE(SUM((usage ->> 'thinking_tokens')::bigint), 0)::bigint, " +
        "COALESCE(SUM((usage ->> 'cost_microcents')::bigint), 0)::bigint";

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
            "SELECT u.end_user_id, COALESCE(w.n, 0), GREATEST(w.last, r.last) AS last_active, r.* " +
            "FROM u LEFT JOIN w ON w.end_user_id = u.end_user_id LEFT JOIN r ON r.end_user_id = u.end_user_id " +
            "WHERE @at::timestamptz IS NULL OR GREATEST(w.last, r.last) < @at OR (GREATEST(w.last, r.last) = @at AND u.end_user_id > @id::text) " +
            "ORDER BY last_active DESC NULLS LAST, u.end_user_id LIMIT @limit";
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

        (string, object?)[] parameters = [("@sandboxes", query.SandboxIds.ToArray()), ("@from", Dialect.LowerBound(query.From)), ("@to", Dialect.LowerBound(query.To))];
        const string Where = "FROM runs WHERE sandbox_id = ANY(@sandboxes) AND started_at >= @from AND started_at < @to";
        await using var db = await ReadAsync(cancellationToken);
        var totals = (await db.QueryAsync($"SELECT {UsageSums} {Where}", r => ReadTotals(r, 0), cancellationToken, parameters))[0];
        if (query.GroupBy is not { } groupBy)
        {
            return new UsageReport(totals, []);
        }

        var (key, columns) = groupBy switch
        {
            UsageGroupBy.Day => ("to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')", "NULL::text, NULL::text"),
            UsageGroupBy.Model => ("provider || '/' || model", "provider, model"),
            UsageGroupBy.EndUser => ("end_user_id", "NULL::text, NULL::text"),
            UsageGroupBy.Provider => ("provider", "NULL::text, NULL::text"),
            _ => throw new ArgumentOutOfRangeException(nameof(query), groupBy, "Unknown grouping."),
        };
        var groups = await db.QueryAsync(
            $"SELECT {key}, {columns}, {UsageSums} {Where} GROUP BY 1, 2, 3 HAVING @after::text IS NULL OR {key} > @after ORDER BY 1 LIMIT @limit",
            r => new UsageGroup(r.GetString(0), r.StringOrNull(1), r.StringOrNull(2), ReadTotals(r, 3)),
            cancellationToken, [.. parameters, ("@after", query.GroupsAfter), ("@limit", query.GroupLimit)]);
        return new UsageReport(totals, groups);
    }
}
