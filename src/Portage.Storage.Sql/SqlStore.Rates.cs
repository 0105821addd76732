using Portage.Core.Limits;

namespace Portage.Storage.Sql;

public abstract partial class SqlStore
{
    /// <inheritdoc/>
    public async Task<RateRefusal?> AdmitAsync(IReadOnlyList<RateLine> lines, string minute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        await using var db = await WriteTransactionAsync(cancellationToken);
        foreach (var line in lines)
        {
            await db.ExecuteAsync("DELETE FROM rate_counters WHERE scope = @scope AND at_minute < @minute", cancellationToken,
                ("@scope", line.Scope), ("@minute", minute));
            await db.ExecuteAsync(dialect.InsertOrIgnore("rate_counters (scope, at_minute, sandbox_id, requests, tokens) VALUES (@scope, @minute, @sandbox, 0, 0)"),
                cancellationToken, ("@scope", line.Scope), ("@minute", minute), ("@sandbox", line.SandboxId));

            // The check and the count are one statement on one row, so concurrent runs (on any replica) never pass a limit.
            var sql = "UPDATE rate_counters SET requests = requests + 1 WHERE scope = @scope AND at_minute = @minute";
            List<(string Name, object? Value)> parameters = [("@scope", line.Scope), ("@minute", minute)];
            if (line.RequestsPerMinute is { } rpm)
            {
                sql += " AND requests < @rpm";
                parameters.Add(("@rpm", (long)rpm));
            }

            if (line.TokensPerMinute is { } tpm)
            {
                sql += " AND tokens < @tpm";
                parameters.Add(("@tpm", tpm));
            }

            var counted = await db.ExecuteAsync(sql, cancellationToken, [.. parameters]);
            if (counted == 0)
            {
                return new RateRefusal(line, await ReadRateAsync(db, line.Scope, minute, cancellationToken));
            }
        }

        await db.CommitAsync(cancellationToken);
        return null;
    }

    /// <inheritdoc/>
    public async Task AddTokensAsync(IReadOnlyList<RateLine> lines, string minute, long tokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0 || tokens <= 0)
        {
            return;
        }

        await using var db = await WriteTransactionAsync(cancellationToken);
        foreach (var line in lines)
        {
            await db.ExecuteAsync(
                "INSERT INTO rate_counters (scope, at_minute, sandbox_id, requests, tokens) VALUES (@scope, @minute, @sandbox, 0, @tokens) " +
                "ON CONFLICT (scope, at_minute) DO UPDATE SET tokens = rate_counters.tokens + excluded.tokens",
                cancellationToken, ("@scope", line.Scope), ("@minute", minute), ("@sandbox", line.SandboxId), ("@tokens", tokens));
        }

        await db.CommitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<RateCount> ReadRateAsync(string scope, string minute, CancellationToken cancellationToken)
    {
        await using var db = await ReadAsync(cancellationToken);
        return await ReadRateAsync(db, scope, minute, cancellationToken);
    }

    private static async Task<RateCount> ReadRateAsync(SqlSession db, string scope, string minute, CancellationToken cancellationToken) =>
        await db.FirstOrDefaultAsync("SELECT requests, tokens FROM rate_counters WHERE scope = @scope AND at_minute = @minute",
            r => new RateCount(r.GetInt64(0), r.GetInt64(1)), cancellationToken, ("@scope", scope), ("@minute", minute))
        ?? new RateCount(0, 0);
}
