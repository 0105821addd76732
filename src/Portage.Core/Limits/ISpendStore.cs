namespace Portage.Core.Limits;

/// <summary>
/// One budget a run counts against: the sandbox's (<see cref="EndUserKey"/> empty) or one end user's, in one period
/// (<see cref="BudgetPeriods.Key"/>), with its limit in USD microcents.
/// </summary>
/// <param name="Budget"><c>sandbox</c> or <c>end_user</c>.</param>
/// <param name="EndUserKey">The end user, or empty for the whole sandbox.</param>
/// <param name="Period">The period's key: <c>d:2025-03-14</c>, <c>m:2025-03</c> or <c>total</c>.</param>
/// <param name="PeriodName"><c>day</c>, <c>month</c> or <c>total</c>.</param>
/// <param name="Limit">What may be spent in the period.</param>
public sealed record BudgetLine(string Budget, string EndUserKey, string Period, string PeriodName, long Limit);

/// <summary>A reservation to make: the run's estimated maximum cost held on each of its budgets until it settles or expires.</summary>
/// <param name="RunId">The run; it settles the reservation.</param>
/// <param name="SandboxId">The sandbox.</param>
/// <param name="EndUserId">The end user (empty for a call without one).</param>
/// <param name="Amount">The estimated maximum cost, USD microcents.</param>
/// <param name="ExpiresAt">When an unsettled reservation (its run's process died) stops holding its amount.</param>
/// <param name="Lines">The budgets, at most one sandbox line and one end-user line.</param>
/// <param name="Enforce">True: refused when a line would pass its limit; false (shadow): held anyway.</param>
public sealed record SpendReservation(string RunId, string SandboxId, string EndUserId, long Amount, DateTimeOffset ExpiresAt, IReadOnlyList<BudgetLine> Lines, bool Enforce);

/// <summary>A budget's counters: settled spend and what running runs hold.</summary>
/// <param name="EndUserKey">The end user, or empty for the sandbox.</param>
/// <param name="Period">The period's key.</param>
/// <param name="Spent">Settled cost, USD microcents.</param>
/// <param name="Reserved">Held by runs not settled yet.</param>
public sealed record LedgerRow(string EndUserKey, string Period, long Spent, long Reserved);

/// <summary>What a reservation did: each line's counters before it (and whether it was made; in enforce mode a line over its limit refuses it all).</summary>
/// <param name="Made">Whether the amount is now held.</param>
/// <param name="Before">Each line's counters before the reservation, in the order of its lines.</param>
public sealed record ReservationOutcome(bool Made, IReadOnlyList<LedgerRow> Before);

/// <summary>A run that a budget refused (enforce) or would have refused (shadow).</summary>
public sealed record BudgetDenialRecord(
    string Id, string SandboxId, string EndUserId, string RunId, DateTimeOffset At, string Budget, string GateMode, bool Denied,
    long NeededMicrocents, long SpentMicrocents, long ReservedMicrocents, long LimitMicrocents, string Period);

/// <summary>
/// Storage seam of budgets. A reservation is one atomic conditional update per budget inside one transaction, so
/// concurrent runs (in any replica) never hold more than a limit between them.
/// </summary>
public interface ISpendStore
{
    /// <summary>
    /// Releases expired reservations (their runs died), then holds <see cref="SpendReservation.Amount"/> on every line;
    /// with <see cref="SpendReservation.Enforce"/>, only if no line passes its limit (else nothing is held).
    /// </summary>
    Task<ReservationOutcome> ReserveAsync(SpendReservation reservation, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Ends a run's reservation: its held amount is released (unless expiry already did) and <paramref name="cost"/> is
    /// added to the spend of its lines. The lines' counters after it; empty when the run had no reservation.
    /// </summary>
    Task<IReadOnlyList<LedgerRow>> SettleAsync(string runId, long cost, CancellationToken cancellationToken);

    /// <summary>A budget's counters, or zeros when nothing was counted yet.</summary>
    Task<LedgerRow> ReadLedgerAsync(string sandboxId, string endUserKey, string period, CancellationToken cancellationToken);

    /// <summary>Records a refusal or a shadow would-be refusal.</summary>
    Task RecordDenialAsync(BudgetDenialRecord denial, CancellationToken cancellationToken);

    /// <summary>A sandbox's recorded denials, newest first (by time, then id), optionally of one end user, after a position.</summary>
    Task<IReadOnlyList<BudgetDenialRecord>> ListDenialsAsync(string sandboxId, string? endUserId, Storage.ListCursor? after, int limit, CancellationToken cancellationToken);

    /// <summary>An end user's own limits as JSON (<see cref="Protocol.Tenancy.EndUserLimits"/>), or null.</summary>
    Task<string?> GetEndUserLimitsAsync(string sandboxId, string endUserId, CancellationToken cancellationToken);

    /// <summary>Whether any end user of the sandbox has limits of their own (most sandboxes have none, and their runs need not look).</summary>
    Task<bool> HasEndUserLimitsAsync(string sandboxId, CancellationToken cancellationToken);

    /// <summary>Sets (or, with null, removes) an end user's own limits.</summary>
    Task SetEndUserLimitsAsync(string sandboxId, string endUserId, string? limitsJson, DateTimeOffset at, CancellationToken cancellationToken);
}
