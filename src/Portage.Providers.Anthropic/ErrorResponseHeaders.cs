using System.Globalization;

namespace Portage.Providers.Anthropic;

/// <summary>
/// What an error response's headers said about retrying. The SDK's exceptions carry the status and body but no
/// headers, so <see cref="ErrorHeadersHandler"/> records them here for the call in flight.
/// </summary>
internal sealed class ErrorResponseHeaders
{
    private static readonly AsyncLocal<ErrorResponseHeaders?> s_current = new();

    /// <summary>
    /// The record of the provider call running on this async flow. A mutable holder rather than a value: the handler
    /// runs deeper in the flow, and AsyncLocal changes never flow back up, but writes into a shared object do.
    /// </summary>
    public static ErrorResponseHeaders? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    /// <summary>The wait asked for by <c>retry-after-ms</c> or <c>retry-after</c>.</summary>
    public TimeSpan? RetryAfter { get; private set; }

    /// <summary>The provider's own verdict (<c>x-should-retry</c>), when it gave one.</summary>
    public bool? ShouldRetry { get; private set; }

    /// <summary>Reads the headers of an error response.</summary>
    public void Record(HttpResponseMessage response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        RetryAfter = Milliseconds(First(response, "retry-after-ms")) ?? Seconds(First(response, "retry-after"), now);
        ShouldRetry = bool.TryParse(First(response, "x-should-retry"), out var retry) ? retry : null;
    }

    private static string? First(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim() : null;

    private static TimeSpan? Milliseconds(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0 && ms < TimeSpan.MaxValue.TotalMilliseconds
            ? TimeSpan.FromMilliseconds(ms)
            : null;

    // retry-after is delta-seconds or an HTTP date (RFC 9110 §10.2.3).
    private static TimeSpan? Seconds(string? value, DateTimeOffset now)
    {
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds >= 0 && seconds < TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(seconds) : null;
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at > now ? at - now : TimeSpan.Zero
            : null;
    }
}

/// <summary>
/// Sits on the SDK's HTTP pipeline (<c>ClientOptions.Handlers</c>) and copies the retry headers of every error response
/// into <see cref="ErrorResponseHeaders.Current"/>, so the exception translation can honour them.
/// </summary>
internal sealed class ErrorHeadersHandler(TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            ErrorResponseHeaders.Current?.Record(response, time.GetUtcNow());
        }

        return response;
    }
}
