using System.Globalization;
using Microsoft.Extensions.Logging;
using Portage.Core.Tenancy;
using Portage.Protocol.Runs;
using Portage.Protocol.Tenancy;

namespace Portage.Core.Limits;

/// <summary>What a run was admitted under: the rate lines it counts against (its tokens are added to them when it ends).</summary>
public sealed record RateAdmission(IReadOnlyList<RateLine> Lines);

/// <summary>
/// Rate limits: runs and tokens a minute per sandbox, per end user and per API key, counted in fixed UTC minutes in the
/// database (so across replicas). A run is admitted before it is planned further (429 <c>rate_limited</c> with
/// <c>Retry-After</c> until the next minute otherwise); the tokens it used count in the minute it ends, and a minute
/// whose tokens reached the limit admits no more runs.
/// </summary>
public sealed partial class RateGate(IRateStore store, TimeProvider time, ILogger<RateGate> logger)
{
    /// <summary>The UTC minute of an instant, as counters key it.</summary>
    public static string Minute(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    /// <summary>
    /// Counts a run of <paramref name="endUserId"/> (empty: none) made with <paramref name="caller"/>'s key (null: none)
    /// against every rate limit that applies; null when none does. Throws <see cref="RateLimitedException"/>.
    /// </summary>
    public async Task<RateAdmission?> AdmitAsync(SandboxRecord sandbox, string endUserId, EndUserLimits? own, Caller? caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var lines = Lines(sandbox, SandboxLimitsPatch.Of(sandbox), endUserId, own, caller);
        if (lines.Count == 0)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (await store.AdmitAsync(lines, Minute(now), cancellationToken) is { } refusal)
        {
            var line = refusal.Line;
            var tokens = line.TokensPerMinute is { } tpm && refusal.Count.Tokens >= tpm;
            var (limit, used, unit) = tokens ? (line.TokensPerMinute!.Value, refusal.Count.Tokens, "tokens") : (line.RequestsPerMinute!.Value, refusal.Count.Requests, "runs");
            var wait = TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(now.UtcDateTime.Ticks % TimeSpan.TicksPerMinute);
            var whose = line.Name switch
            {
                "sandbox" => "The sandbox's",
                "end_user" => $"End user '{endUserId}''s",
                _ => "This API key's",
            };
            LogRefused(logger, line.Scope, unit, used, limit);
            throw new RateLimitedException(string.Create(CultureInfo.InvariantCulture,
                $"{whose} limit of {limit} {unit} a minute is reached ({used} this minute). Send it again after {Math.Ceiling(wait.TotalSeconds)} s (Retry-After), when the next minute starts."))
            {
                RetryAfter = wait,
            };
        }

        return new RateAdmission(lines);
    }

    /// <summary>
    /// Adds the tokens a run used (input, output, cache read and write, thinking) to its lines, in the minute it ends.
    /// Never throws: a lost count only loosens a limit.
    /// </summary>
    public async Task CountTokensAsync(RateAdmission? admission, Usage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var tokens = usage.InputTokens + usage.OutputTokens + usage.CacheReadInputTokens + usage.CacheCreationInputTokens + (usage.ThinkingTokens ?? 0);
        if (admission is null || tokens <= 0 || !admission.Lines.Any(l => l.TokensPerMinute is not null))
        {
            return;
        }

        try
        {
            await store.AddTokensAsync(admission.Lines, Minute(time.GetUtcNow()), tokens, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogCountFailed(logger, ex, tokens);
        }
    }

    /// <summary>The rate limits a run counts against: the sandbox's, its end user's (their own, else the sandbox's <c>end_user_…</c>) and its key's.</summary>
    public static IReadOnlyList<RateLine> Lines(SandboxRecord sandbox, SandboxLimits limits, string endUserId, EndUserLimits? own, Caller? caller)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(endUserId);
        var lines = new List<RateLine>(3);
        if (limits.RequestsPerMinute is not null || limits.TokensPerMinute is not null)
        {
            lines.Add(new RateLine($"sb:{sandbox.Id}", "sandbox", sandbox.Id, limits.RequestsPerMinute, limits.TokensPerMinute));
        }

        var userRequests = own?.RequestsPerMinute ?? limits.EndUserRequestsPerMinute;
        var userTokens = own?.TokensPerMinute ?? limits.EndUserTokensPerMinute;
        if (endUserId.Length > 0 && (userRequests is not null || userTokens is not null))
        {
            lines.Add(new RateLine($"eu:{sandbox.Id}:{endUserId}", "end_user", sandbox.Id, userRequests, userTokens));
        }

        if (caller is { } key && (key.RequestsPerMinute is not null || key.TokensPerMinute is not null))
        {
            lines.Add(new RateLine($"key:{key.KeyId}", "api_key", null, key.RequestsPerMinute, key.TokensPerMinute));
        }

        return lines;
    }

    [LoggerMessage(LogLevel.Information, "Rate limit {Scope}: {Used} {Unit} this minute reached the limit of {Limit}; answered 429")]
    private static partial void LogRefused(ILogger logger, string scope, string unit, long used, long limit);

    [LoggerMessage(LogLevel.Warning, "Counting {Tokens} tokens against rate limits failed; this minute's token count is low")]
    private static partial void LogCountFailed(ILogger logger, Exception exception, long tokens);
}
