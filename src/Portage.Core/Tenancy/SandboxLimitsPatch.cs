using System.Text.Json;
using Portage.Core.Errors;
using Portage.Protocol;
using Portage.Protocol.Tenancy;

namespace Portage.Core.Tenancy;

/// <summary>
/// Reads, merges and checks a sandbox's <see cref="SandboxLimits"/> and an end user's <see cref="EndUserLimits"/>: a
/// PATCH sets the fields it sends (a <c>null</c> removes one) and keeps the others.
/// </summary>
public static class SandboxLimitsPatch
{
    /// <summary>The budget periods.</summary>
    public static IReadOnlyList<string> Periods { get; } = ["day", "month", "total"];

    /// <summary>The gate modes.</summary>
    public static IReadOnlyList<string> GateModes { get; } = ["off", "shadow", "enforce"];

    private const string Fields = "budget_microcents, budget_period (day|month|total), end_user_budget_microcents, gate_mode (off|shadow|enforce), " +
        "requests_per_minute, tokens_per_minute, end_user_requests_per_minute, end_user_tokens_per_minute";

    /// <summary>The limits of a stored sandbox (none when it has none).</summary>
    public static SandboxLimits Of(SandboxRecord sandbox)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        return sandbox.LimitsJson is null ? new SandboxLimits() : JsonSerializer.Deserialize(sandbox.LimitsJson, ProtocolJson.Default.SandboxLimits) ?? new SandboxLimits();
    }

    /// <summary>Limits as stored: null when no limit is set.</summary>
    public static string? ToJson(SandboxLimits limits) =>
        limits == new SandboxLimits() ? null : JsonSerializer.Serialize(limits, ProtocolJson.Default.SandboxLimits);

    /// <summary><paramref name="current"/> with the fields of <paramref name="patch"/> (a JSON object) set or removed; 400 <c>invalid_limits</c> otherwise.</summary>
    public static SandboxLimits Merge(SandboxLimits current, JsonElement patch)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (patch.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"limits is a JSON object with any of {Fields}; null removes a limit.");
        }

        foreach (var field in patch.EnumerateObject())
        {
            var value = field.Value;
            current = field.Name switch
            {
                "budget_microcents" => current with { BudgetMicrocents = Amount(field.Name, value) },
                "budget_period" => current with { BudgetPeriod = OneOf(field.Name, value, Periods) },
                "end_user_budget_microcents" => current with { EndUserBudgetMicrocents = Amount(field.Name, value) },
                "gate_mode" => current with { GateMode = OneOf(field.Name, value, GateModes) },
                "requests_per_minute" => current with { RequestsPerMinute = PerMinute(field.Name, value) },
                "tokens_per_minute" => current with { TokensPerMinute = Amount(field.Name, value) },
                "end_user_requests_per_minute" => current with { EndUserRequestsPerMinute = PerMinute(field.Name, value) },
                "end_user_tokens_per_minute" => current with { EndUserTokensPerMinute = Amount(field.Name, value) },
                _ => throw Invalid($"limits.{field.Name} is not a limit Portage knows; the limits are {Fields}."),
            };
        }

        return current;
    }

    /// <summary>Checks an end user's limits; 400 <c>invalid_limits</c> naming the field otherwise.</summary>
    public static EndUserLimits Check(EndUserLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        Check("budget_microcents", limits.BudgetMicrocents);
        Check("tokens_per_minute", limits.TokensPerMinute);
        Check("requests_per_minute", limits.RequestsPerMinute);
        if (limits.BudgetPeriod is { } period && !Periods.Contains(period))
        {
            throw Invalid($"budget_period must be one of {string.Join(", ", Periods)}; it is '{period}'.");
        }

        return limits;
    }

    private static void Check(string name, long? value)
    {
        if (value < 0)
        {
            throw Invalid($"{name} must be 0 or more (or null for no limit); it is {value}.");
        }
    }

    private static long? Amount(string name, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var amount) || amount < 0)
        {
            throw Invalid($"limits.{name} must be a whole number, 0 or more (or null to remove it); got {value.GetRawText()}.");
        }

        return amount;
    }

    private static int? PerMinute(string name, JsonElement value) =>
        Amount(name, value) is not { } amount ? null
        : amount <= int.MaxValue ? (int)amount
        : throw Invalid($"limits.{name} must be at most {int.MaxValue}.");

    private static string? OneOf(string name, JsonElement value, IReadOnlyList<string> allowed) =>
        value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String && allowed.Contains(value.GetString()!) ? value.GetString()
        : throw Invalid($"limits.{name} must be one of {string.Join(", ", allowed)} (or null); got {value.GetRawText()}.");

    private static PortageException Invalid(string detail) => PortageException.BadRequest("invalid_limits", detail);
}
