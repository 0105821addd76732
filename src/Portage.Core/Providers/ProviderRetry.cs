
namespace Portage.Core.Providers;

/// <summary>
/// The one retry policy for provider calls (provider SDKs' own retries are off). A call is retried only while nothing
/// of its answer has reached the client, only for transient failures, and only as long as the provider asks to wait:
/// <c>retry-after</c> when given, else exponential backoff from <see cref="ProviderRetryOptions.RetryBaseDelayMilliseconds"/>.
/// </summary>
public static class ProviderRetry
{
    /// <summary>How long to wait before retry number <paramref name="retry"/> (1-based), or null to give up.</summary>
    public static TimeSpan? DelayBefore(int retry, Exception failure, ProviderRetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (retry > options.ProviderRetries || !IsTransient(failure))
        {
            return null;
        }

        var delay = (failure as ProviderException)?.RetryAfter
            ?? TimeSpan.FromMilliseconds(options.RetryBaseDelayMilliseconds * Math.Pow(2, retry - 1));
        return delay <= TimeSpan.FromSeconds(options.MaxRetryDelaySeconds) ? delay : null;
    }

    /// <summary>Transient provider failures and lost connections.</summary>
    public static bool IsTransient(Exception failure) => failure switch
    {
        ProviderException provider => provider.Transient,
        HttpRequestException { StatusCode: null } => true,
        HttpRequestException http => ProviderException.IsTransientStatus((int)http.StatusCode!),
        _ => false,
    };
}
