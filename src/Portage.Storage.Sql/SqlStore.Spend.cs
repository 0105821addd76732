using System.Data.Common;
using Portage.Core.Limits;

namespace Portage.Storage.Sql;

public abstract partial class SqlStore
{
    // A reservation whose run died is released at its expiry and forgotten a day later (a run that settles after that
    // finds nothing to settle: its spend is not counted).
    private static readonly TimeSpan s_forgetReleased = TimeSpan.FromDays(1);

    private const string LedgerKey = "sandbox_id = @sandbox AND end_user_id = @user AND period = @period";

    /// <inheritdoc/>
    public async Task<ReservationOutcome> ReserveAsync(SpendReservation reservation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        await using var db = await WriteTransactionAsync(cancellationToken);
        await ReleaseExpiredAsync(db, now, cancellationToken);
        var before = new List<LedgerRow>(reservation.Lines.Count);
        foreach (var line in reservation.Lines)
        {
            var key = Key(reservation.SandboxId, line.EndUserKey, line.Period);
            await db.ExecuteAsync(dialect.InsertOrIgnore("spend_ledger (sandbox_id, end_user_id, period, spent, reserved) VALUES (@sandbox, @user, @period, 0, 0)"),
                cancellationToken, key);

            // The one conditional update that makes a budget exact under concurrency: the check and the hold are one
            // statement on one row (PostgreSQL re-checks the condition on the row it waited for; SQLite has one writer).
            var condition = reservation.Enforce ? " AND spent + reserved + @amount <= @limit" : "";
            var held = await db.QueryAsync(
                $"UPDATE spend_ledger SET reserved = reserved + @amount WHERE {LedgerKey}{condition} RETURNING end_user_id, period, spent, reserved - @amount",
                ReadLedgerRow, cancellationToken, [.. key, ("@amount", reservation.Amount), ("@limit", line.Limit)]);
            if (held.Count == 0)
            {
                // Refused: nothing is held (the transaction rolls back); the counters say why.
                foreach (var rest in reservation.Lines.Skip(before.Count))
                {
                    before.Add(await ReadLedgerAsync(db, reservation.SandboxId, rest.EndUserKey, rest.Period, cancellationToken));
                }

                return new ReservationOutcome(false, before);
            }

            before.Add(held[0]);
        }

        await db.ExecuteAsync(
            "INSERT INTO spend_reservations (run_id, sandbox_id, end_user_id, amount, sandbox_period, user_period, expires_at, released) " +
            "VALUES (@run, @sandbox, @user, @amount, @sandboxPeriod, @userPeriod, @expires, 0)",
            cancellationToken,
            ("@run", reservation.RunId), ("@sandbox", reservation.SandboxId), ("@user", reservation.EndUserId), ("@amount", reservation.Amount),
            ("@sandboxPeriod", reservation.Lines.FirstOrDefault(l => l.EndUserKey.Length == 0)?.Period),
            ("@userPeriod", reservation.Lines.FirstOrDefault(l => l.EndUserKey.Length > 0)?.Period),
            ("@expires", dialect.Time(reservation.ExpiresAt)));
        await db.CommitAsync(cancellationToken);
        return new ReservationOutcome(true, before);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<LedgerRow>> SettleAsync(string runId, long cost, CancellationToken cancellationToken)
    {
        await using var db = await WriteTransactionAsync(cancellationToken);
        var found = await db.QueryAsync(
            $"SELECT sandbox_id, end_user_id, amount, sandbox_period, user_period, released FROM spend_reservations WHERE run_id = @run{dialect.Lock("FOR UPDATE")}",
            r => new Held(r.GetString(0), r.GetString(1), r.GetInt64(2), r.StringOrNull(3), r.StringOrNull(4), r.GetInt64(5) == 1),
            cancellationToken, ("@run", runId));
        if (found is not [var held])
        {
            return [];
        }

        var rows = new List<LedgerRow>(2);
        foreach (var (user, period) in held.Lines())
        {
            rows.AddRange(await db.QueryAsync(
                $"UPDATE spend_ledger SET reserved = reserved - @held, spent = spent + @cost WHERE {LedgerKey} RETURNING end_user_id, period, spent, reserved",
                ReadLedgerRow, cancellationToken, [.. Key(held.SandboxId, user, period), ("@held", held.Released ? 0L : held.Amount), ("@cost", cost)]));
        }

        await db.ExecuteAsync("DELETE FROM spend_reservations WHERE run_id = @run", cancellationToken, ("@run", runId));
        await db.CommitAsync(cancellationToken);
        return rows;
    }

    /// <inheritdoc/>
    public async Task<LedgerRow> ReadLedgerAsync(string sandboxId, string endUserKey, string period, CancellationToken cancellationToken)
    {
        await using var db = await ReadAsync(cancellationToken);
        return await ReadLedgerAsync(db, sandboxId, endUserKey, period, cancellationToken);
    }

    /// <inheritdoc/>
    public Task RecordDenialAsync(BudgetDenialRecord denial, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(denial);
        return WriteOnceAsync(
            "INSERT INTO budget_denials (id, sandbox_id, end_user_id, run_id, at, budget, gate_mode, denied, needed, spent, reserved, limit_microcents, period) " +
            "VALUES (@id, @sandbox, @user, @run, @at, @budget, @mode, @denied, @needed, @spent, @reserved, @limit, @period)",
            cancellationToken,
            ("@id", denial.Id), ("@sandbox", denial.SandboxId), ("@user", denial.EndUserId), ("@run", denial.RunId), ("@at", dialect.Time(denial.At)),
            ("@budget", denial.Budget), ("@mode", denial.GateMode), ("@denied", denial.Denied ? 1 : 0), ("@needed", denial.NeededMicrocents),
            ("@spent", denial.SpentMicrocents), ("@reserved", denial.ReservedMicrocents), ("@limit", denial.LimitMicrocents), ("@period", denial.Period));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<BudgetDenialRecord>> ListDenialsAsync(
        string sandboxId, string? endUserId, Core.Storage.ListCursor? after, int limit, CancellationToken cancellationToken) =>
        await ReadListAsync(
            "SELECT id, sandbox_id, end_user_id, run_id, at, budget, gate_mode, denied, needed, spent, reserved, limit_microcents, period FROM budget_denials " +
            $"WHERE sandbox_id = @sandbox AND ({dialect.Text("@user")} IS NULL OR end_user_id = @user) " +
            $"AND ({dialect.Timestamp("@at")} IS NULL OR at < @at OR (at = @at AND id < {dialect.Text("@id")})) ORDER BY at DESC, id DESC LIMIT @limit",
            r => new BudgetDenialRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), dialect.ReadTime(r, 4), r.GetString(5), r.GetString(6),
                r.GetInt64(7) == 1, r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), r.GetString(12)),
            cancellationToken, ("@sandbox", sandboxId), ("@user", endUserId), ("@at", dialect.TimeOrNull(after?.At)), ("@id", after?.Id), ("@limit", limit));

    /// <inheritdoc/>
    public Task<string?> GetEndUserLimitsAsync(string sandboxId, string endUserId, CancellationToken cancellationToken) =>
        ReadFirstAsync("SELECT limits FROM end_user_limits WHERE sandbox_id = @sandbox AND end_user_id = @user",
            r => r.GetString(0), cancellationToken, ("@sandbox", sandboxId), ("@user", endUserId));

    /// <inheritdoc/>
    public Task<bool> HasEndUserLimitsAsync(string sandboxId, CancellationToken cancellationToken) =>
        ReadFirstAsync("SELECT 1 FROM end_user_limits WHERE sandbox_id = @sandbox LIMIT 1", r => true, cancellationToken, ("@sandbox", sandboxId));

    /// <inheritdoc/>
    public Task SetEndUserLimitsAsync(string sandboxId, string endUserId, string? limitsJson, DateTimeOffset at, CancellationToken cancellationToken) =>
        limitsJson is null
            ? WriteOnceAsync("DELETE FROM end_user_limits WHERE sandbox_id = @sandbox AND end_user_id = @user", cancellationToken,
                ("@sandbox", sandboxId), ("@user", endUserId))
            : WriteOnceAsync(
                $"INSERT INTO end_user_limits (sandbox_id, end_user_id, limits, updated_at) VALUES (@sandbox, @user, {dialect.Json("@limits")}, @at) " +
                "ON CONFLICT (sandbox_id, end_user_id) DO UPDATE SET limits = excluded.limits, updated_at = excluded.updated_at",
                cancellationToken, ("@sandbox", sandboxId), ("@user", endUserId), ("@limits", limitsJson), ("@at", dialect.Time(at)));

    // Reservations of runs that died stop holding their amount (their run never settles).
    private async Task ReleaseExpiredAsync(SqlSession db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var expired = await db.QueryAsync(
            $"SELECT sandbox_id, end_user_id, amount, sandbox_period, user_period, run_id FROM spend_reservations WHERE released = 0 AND expires_at < @now{dialect.Lock("FOR UPDATE")}",
            r => (Held: new Held(r.GetString(0), r.GetString(1), r.GetInt64(2), r.StringOrNull(3), r.StringOrNull(4), false), RunId: r.GetString(5)),
            cancellationToken, ("@now", dialect.Time(now)));
        foreach (var (held, runId) in expired)
        {
            foreach (var (user, period) in held.Lines())
            {
                await db.ExecuteAsync($"UPDATE spend_ledger SET reserved = reserved - @held WHERE {LedgerKey}", cancellationToken,
                    [.. Key(held.SandboxId, user, period), ("@held", held.Amount)]);
            }

            await db.ExecuteAsync("UPDATE spend_reservations SET released = 1 WHERE run_id = @run", cancellationToken, ("@run", runId));
        }

        await db.ExecuteAsync("DELETE FROM spend_reservations WHERE released = 1 AND expires_at < @old", cancellationToken,
            ("@old", dialect.Time(now - s_forgetReleased)));
    }

    private static async Task<LedgerRow> ReadLedgerAsync(SqlSession db, string sandboxId, string endUserKey, string period, CancellationToken cancellationToken) =>
        await db.FirstOrDefaultAsync($"SELECT end_user_id, period, spent, reserved FROM spend_ledger WHERE {LedgerKey}", ReadLedgerRow, cancellationToken,
            Key(sandboxId, endUserKey, period))
        ?? new LedgerRow(endUserKey, period, 0, 0);

    private static (string Name, object? Value)[] Key(string sandboxId, string endUserKey, string period) =>
        [("@sandbox", sandboxId), ("@user", endUserKey), ("@period", period)];

    private static LedgerRow ReadLedgerRow(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3));

    // A stored reservation: the sandbox line is end user '' in its period, the end-user line the end user in theirs.
    private sealed record Held(string SandboxId, string EndUserId, long Amount, string? SandboxPeriod, string? UserPeriod, bool Released)
    {
        public IEnumerable<(string User, string Period)> Lines()
        {
            if (SandboxPeriod is not null)
            {
                yield return ("", SandboxPeriod);
            }

            if (UserPeriod is not null)
            {
                yield return (EndUserId, UserPeriod);
            }
        }
    }
}
