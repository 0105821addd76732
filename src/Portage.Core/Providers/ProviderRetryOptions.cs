namespace Portage.Core.Providers;

/// <summary>The provider retry policy's settings, bound from the <c>Runs</c> configuration section.</summary>
public sealed class ProviderRetryOptions
{
    /// <summary>Retries of a provider call that failed transiently before its first token (429, 529, 5xx, connection).</summary>
    public int ProviderRetries { get; set; } = 2;

    /// <summary>First backoff when the provider gave no <c>retry-after</c>; doubles per retry (milliseconds).</summary>
    public double RetryBaseDelayMilliseconds { get; set; } = 500;

    /// <summary>Longest wait before a retry (seconds); a provider asking for longer is not retried.</summary>
    public double MaxRetryDelaySeconds { get; set; } = 30;
}
