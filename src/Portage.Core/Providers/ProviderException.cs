namespace Portage.Core.Providers;

/// <summary>
/// A provider call that failed, in provider-neutral terms. Each provider adapter translates its SDK's or its HTTP
/// layer's failures into this, so one retry policy in Core (<c>ProviderRetry</c>) can decide what to retry and the
/// wire can carry the provider's own message in <c>agent_error</c>.
/// </summary>
public sealed class ProviderException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="provider">The provider name, for example <c>anthropic</c>.</param>
    /// <param name="message">The provider's own message, as it should reach the client.</param>
    /// <param name="statusCode">The HTTP status the provider answered with; null for connection failures and mid-stream errors.</param>
    /// <param name="retryAfter">How long the provider asked to wait (<c>retry-after</c> header or a body field), if it said.</param>
    /// <param name="transient">Whether a retry can succeed; null derives it from <paramref name="statusCode"/>.</param>
    /// <param name="innerException">The SDK's exception.</param>
    public ProviderException(string provider, string message, int? statusCode = null, TimeSpan? retryAfter = null, bool? transient = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Provider = provider;
        StatusCode = statusCode;
        RetryAfter = retryAfter;
        Transient = transient ?? IsTransientStatus(statusCode);
    }

    /// <summary>The provider name.</summary>
    public string Provider { get; }

    /// <summary>The HTTP status, when the provider answered with one.</summary>
    public int? StatusCode { get; }

    /// <summary>The wait the provider asked for before a retry.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>True when the same request may succeed later: rate limits, overload, server errors, lost connections.</summary>
    public bool Transient { get; }

    /// <summary>408, 429, 529 and every 5xx are worth retrying; so is a connection failure (no status).</summary>
    public static bool IsTransientStatus(int? statusCode) => statusCode is null or 408 or 429 or >= 500;
}
