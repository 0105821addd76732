namespace Portage.Protocol.Accounting;

/// <summary>
/// Answer of <c>GET /api/v1/usage/balance</c> (copass-compat §7.6), mapped from a sandbox's budget: purchased is the
/// budget of its current period, used its settled spend, remaining what is left after what runs in progress hold. A
/// sandbox without a budget is unmetered: <see cref="CreditsPurchased"/> and <see cref="CreditsRemaining"/> are null
/// and <see cref="CreditsUsed"/> is its cost this UTC month.
/// </summary>
public sealed record CreditBalance
{
    /// <summary>The sandbox's budget for the period (USD microcents), or null without one.</summary>
    public long? CreditsPurchased { get; init; }

    /// <summary>Settled spend in the period (USD microcents).</summary>
    public long CreditsUsed { get; init; }

    /// <summary>What is left (USD microcents, never below 0), or null without a budget.</summary>
    public long? CreditsRemaining { get; init; }

    /// <summary><c>usd_microcents</c>: every amount is USD·1e-6.</summary>
    public string Currency { get; init; } = "usd_microcents";

    /// <summary>Portage extension: the sandbox the balance is of.</summary>
    public string? SandboxId { get; init; }

    /// <summary>Portage extension: <c>day</c>, <c>month</c> or <c>total</c>.</summary>
    public string? Period { get; init; }

    /// <summary>Portage extension: held by runs in progress (USD microcents).</summary>
    public long CreditsReserved { get; init; }

    /// <summary>Portage extension: when the period ends, or null (<c>total</c>).</summary>
    public DateTimeOffset? ResetsAt { get; init; }

    /// <summary>Portage extension: <c>off</c>, <c>shadow</c> or <c>enforce</c>.</summary>
    public string? GateMode { get; init; }
}
