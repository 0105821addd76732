namespace Portage.Protocol.Accounting;

/// <summary>
/// A run a spending budget refused (<c>gate_mode: enforce</c>, 402 <c>budget_exceeded</c>) or would have refused
/// (<c>shadow</c>, the run went ahead). Portage extension.
/// </summary>
public sealed record BudgetDenial
{
    /// <summary>The run (refused runs were never started: the id is only this record's).</summary>
    public required string RunId { get; init; }

    /// <summary>The end user (empty for a call without one).</summary>
    public required string EndUserId { get; init; }

    /// <summary><c>sandbox</c> or <c>end_user</c>: which budget.</summary>
    public required string Budget { get; init; }

    /// <summary><c>enforce</c> or <c>shadow</c>.</summary>
    public required string GateMode { get; init; }

    /// <summary>True when the run was refused; false for a shadow would-be refusal.</summary>
    public bool Denied { get; init; }

    /// <summary>What the run might have cost (its reservation), USD microcents.</summary>
    public long NeededMicrocents { get; init; }

    /// <summary>The budget's settled spend then.</summary>
    public long SpentMicrocents { get; init; }

    /// <summary>What runs in progress held then.</summary>
    public long ReservedMicrocents { get; init; }

    /// <summary>The budget's limit.</summary>
    public long LimitMicrocents { get; init; }

    /// <summary><c>day</c>, <c>month</c> or <c>total</c>.</summary>
    public required string Period { get; init; }

    /// <summary>When.</summary>
    public DateTimeOffset At { get; init; }
}

/// <summary>Answer of <c>GET …/sandboxes/{id}/budget-denials</c>: a page, newest first; <paramref name="NextCursor"/> is the next page's <c>cursor</c>, null on the last.</summary>
public sealed record BudgetDenialList(IReadOnlyList<BudgetDenial> Denials, int Count, string? NextCursor = null);
