namespace Portage.Core.Limits;

/// <summary>One rate limit a run counts against, in one UTC minute.</summary>
/// <param name="Scope">The counter: <c>sb:&lt;sandbox&gt;</c>, <c>eu:&lt;sandbox&gt;:&lt;end user&gt;</c> or <c>key:&lt;key&gt;</c>.</param>
/// <param name="Name"><c>sandbox</c>, <c>end_user</c> or <c>api_key</c>: whose limit, for the refusal's detail.</param>
/// <param name="SandboxId">The sandbox the counter belongs to, or null for a key's.</param>
/// <param name="RequestsPerMinute">Runs a minute, or null for no limit.</param>
/// <param name="TokensPerMinute">Tokens a minute, or null for no limit.</param>
public sealed record RateLine(string Scope, string Name, string? SandboxId, int? RequestsPerMinute, long? TokensPerMinute);

/// <summary>A counter's state in a minute.</summary>
/// <param name="Requests">Runs started.</param>
/// <param name="Tokens">Tokens used.</param>
public sealed record RateCount(long Requests, long Tokens);

/// <summary>Why a run was not admitted: the line at its limit and its counter then.</summary>
public sealed record RateRefusal(RateLine Line, RateCount Count);

/// <summary>
/// Storage seam of rate limits: per scope and UTC minute, the runs started and the tokens used, in the database so that
/// every replica counts against the same limits.
/// </summary>
public interface IRateStore
{
    /// <summary>
    /// Counts one run in <paramref name="minute"/> on every line, unless a line's runs reached its limit or its tokens
    /// reached theirs: then nothing is counted and that line is returned. Older minutes of the lines are dropped.
    /// </summary>
    Task<RateRefusal?> AdmitAsync(IReadOnlyList<RateLine> lines, string minute, CancellationToken cancellationToken);

    /// <summary>Adds the tokens a run used to its lines' counters of <paramref name="minute"/>.</summary>
    Task AddTokensAsync(IReadOnlyList<RateLine> lines, string minute, long tokens, CancellationToken cancellationToken);

    /// <summary>A counter's state in a minute (zeros when nothing was counted).</summary>
    Task<RateCount> ReadRateAsync(string scope, string minute, CancellationToken cancellationToken);
}
