using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Portage.Core.Providers;

namespace Portage.Providers.Google;

/// <summary>
/// Google's error JSON (<c>{"error": {"code", "message", "status", "details"}}</c>, the same on Gemini and Vertex AI)
/// turned into <see cref="ProviderException"/>s, with the wait a 429 asks for.
/// </summary>
internal static class GoogleErrors
{
    private const string RetryInfoType = "type.googleapis.com/google.rpc.RetryInfo";
    private const string QuotaFailureType = "type.googleapis.com/google.rpc.QuotaFailure";

    /// <summary>An HTTP error answer: the provider's message with "(HTTP 429, RESOURCE_EXHAUSTED)" context.</summary>
    public static ProviderException FromResponse(int status, string? reasonPhrase, HttpResponseHeaders headers, string body, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var error = TryReadError(body);
        var retryAfter = error is { } e ? RetryDelay(e) : null;
        retryAfter ??= RetryAfterHeader(headers, time);
        var message = error is { } found && Text(found, "message") is { Length: > 0 } text
            ? $"{text} (HTTP {status}{(Text(found, "status") is { Length: > 0 } code ? ", " + code : "")})"
            : $"HTTP {status} {reasonPhrase}: {Truncate(body)}".TrimEnd(' ', ':');

        // A daily quota will not come back within a retry's wait; a per-minute one will.
        var transient = status == 429 && error is { } quota && IsDailyQuota(quota) ? false : (bool?)null;
        return new ProviderException(GoogleProvider.Name, message, status, retryAfter, transient);
    }

    /// <summary>An error object that arrived inside a 200 stream (<c>data: {"error": …}</c>).</summary>
    public static ProviderException FromStreamError(JsonElement error)
    {
        var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var n) ? n : (int?)null;
        var status = Text(error, "status");
        var message = Text(error, "message") is { Length: > 0 } m ? m : "The provider reported an error mid-stream.";
        var context = string.Join(", ", new[] { code?.ToString(CultureInfo.InvariantCulture), status }.Where(s => !string.IsNullOrEmpty(s)));
        return new ProviderException(GoogleProvider.Name, context.Length > 0 ? $"{message} (mid-stream, {context})" : $"{message} (mid-stream)", code, RetryDelay(error));
    }

    /// <summary>A frame that is not JSON: the stream cannot be trusted any further.</summary>
    public static ProviderException Malformed(string what, string data, Exception inner) =>
        new(GoogleProvider.Name, $"{what} sent a malformed stream frame: {Truncate(data)}", innerException: inner);

    /// <summary>
    /// One frame of a stream as a JSON object; anything else is <see cref="Malformed"/>. <paramref name="frame"/> names
    /// the frame in the error ("An event", "A frame").
    /// </summary>
    public static JsonElement ParseFrame(string what, string data, string frame)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(data);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw Malformed(what, data, ex);
        }

        return root.ValueKind == JsonValueKind.Object
            ? root
            : throw Malformed(what, data, new JsonException($"{frame} must be a JSON object."));
    }

    /// <summary>Parses Google's duration strings: <c>"42s"</c>, <c>"57.238747106s"</c>.</summary>
    public static TimeSpan? ParseDuration(string? value)
    {
        if (string.IsNullOrEmpty(value) || !value.EndsWith('s'))
        {
            return null;
        }

        return double.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : null;
    }

    private static JsonElement? TryReadError(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;

            // streamGenerateContent without alt=sse wraps errors in an array; accept both.
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0)
            {
                root = root[0];
            }

            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                ? error.Clone()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static TimeSpan? RetryDelay(JsonElement error)
    {
        foreach (var detail in Details(error))
        {
            if (Text(detail, "@type") == RetryInfoType && ParseDuration(Text(detail, "retryDelay")) is { } delay)
            {
                return delay;
            }
        }

        return null;
    }

    private static bool IsDailyQuota(JsonElement error) =>
        Details(error)
            .Where(d => Text(d, "@type") == QuotaFailureType && d.TryGetProperty("violations", out var v) && v.ValueKind == JsonValueKind.Array)
            .SelectMany(d => d.GetProperty("violations").EnumerateArray())
            .Any(v => Text(v, "quotaId")?.Contains("PerDay", StringComparison.Ordinal) == true);

    private static IEnumerable<JsonElement> Details(JsonElement error) =>
        error.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Array
            ? details.EnumerateArray().Where(d => d.ValueKind == JsonValueKind.Object)
            : [];

    private static TimeSpan? RetryAfterHeader(HttpResponseHeaders headers, TimeProvider time)
    {
        if (headers.TryGetValues("retry-after-ms", out var ms)
            && double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        return headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
            _ => null,
        };
    }

    internal static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static string Truncate(string text)
    {
        var flat = text.ReplaceLineEndings(" ").Trim();
        return flat.Length <= 300 ? flat : string.Concat(flat.AsSpan(0, 300), "…");
    }
}
