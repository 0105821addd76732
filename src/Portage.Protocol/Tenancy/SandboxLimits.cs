namespace Portage.Protocol.Tenancy;

/// <summary>
/// A sandbox's spending and rate limits (Portage extension inside Copass's <c>limits</c>). Null means no limit. Money
/// is USD microcents (USD·1e-6, as <c>cost_microcents</c>).
/// </summary>
public sealed record SandboxLimits
{
    /// <summary>What the whole sandbox may spend per <see cref="BudgetPeriod"/>.</summary>
    public long? BudgetMicrocents { get; init; }

    /// <summary><c>day</c> (UTC), <c>month</c> (UTC) or <c>total</c>; <c>month</c> when a budget is set without one.</summary>
    public string? BudgetPeriod { get; init; }

    /// <summary>What each end user may spend per <see cref="BudgetPeriod"/> (an end user's own limits override it).</summary>
    public long? EndUserBudgetMicrocents { get; init; }

    /// <summary>
    /// <c>off</c> (budgets are not checked), <c>shadow</c> (runs over budget go ahead and are recorded as would-be
    /// denials) or <c>enforce</c> (402 <c>budget_exceeded</c>); <c>enforce</c> when a budget is set without one.
    /// </summary>
    public string? GateMode { get; init; }

    /// <summary>Runs a minute the sandbox may start.</summary>
    public int? RequestsPerMinute { get; init; }

    /// <summary>Tokens (input and output) a minute the sandbox's runs may use.</summary>
    public long? TokensPerMinute { get; init; }

    /// <summary>Runs a minute each end user may start.</summary>
    public int? EndUserRequestsPerMinute { get; init; }

    /// <summary>Tokens a minute each end user's runs may use.</summary>
    public long? EndUserTokensPerMinute { get; init; }
}

/// <summary>
/// One end user's own limits (<c>PUT …/sandboxes/{id}/end-users/{end_user_id}/limits</c>), overriding the sandbox's
/// <c>end_user_…</c> limits; null fields fall back to them.
/// </summary>
public sealed record EndUserLimits
{
    /// <summary>What this end user may spend per period.</summary>
    public long? BudgetMicrocents { get; init; }

    /// <summary><c>day</c>, <c>month</c> or <c>total</c>; the sandbox's period when null.</summary>
    public string? BudgetPeriod { get; init; }

    /// <summary>Runs a minute this end user may start.</summary>
    public int? RequestsPerMinute { get; init; }

    /// <summary>Tokens a minute this end user's runs may use.</summary>
    public long? TokensPerMinute { get; init; }
}
