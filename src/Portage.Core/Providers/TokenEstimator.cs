namespace Portage.Core.Providers;

/// <summary>
/// The router's one token estimate (4 characters a token), used wherever a provider reports no count: turns, chunks,
/// briefs, the echo model's usage. One rule everywhere, so a window's budget means the same on every path.
/// </summary>
public static class TokenEstimator
{
    /// <summary>The estimated tokens of <paramref name="text"/>; 0 for null or empty.</summary>
    public static int Estimate(string? text) => string.IsNullOrEmpty(text) ? 0 : (text.Length + 3) / 4;
}
