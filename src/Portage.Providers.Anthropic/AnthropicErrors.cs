using System.Text.Json;
using Anthropic.Exceptions;
using Portage.Core.Providers;

namespace Portage.Providers.Anthropic;

/// <summary>
/// Turns the SDK's failures into <see cref="ProviderException"/>: the provider's own message with
/// "(HTTP 529, overloaded_error)" context, the status, the retry-after wait, and whether a retry can help.
/// </summary>
internal static class AnthropicErrors
{
    // Error types (platform.claude.com/docs/en/api/errors) that the same request will hit again.
    private static readonly HashSet<string> s_permanentTypes = new(StringComparer.Ordinal)
    {
        "invalid_request_error", "authentication_error", "billing_error", "permission_error", "not_found_error",
        "request_too_large",
    };

    /// <summary>The translation of <paramref name="exception"/>, or null when it must propagate as it is.</summary>
    public static ProviderException? Translate(string provider, Exception exception, ErrorResponseHeaders? headers, CancellationToken cancellationToken) => exception switch
    {
        ProviderException => null,
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        AnthropicApiException api => FromHttp(provider, api, headers),
        AnthropicSseException sse => FromStream(provider, sse),
        AnthropicServiceException service => new ProviderException(provider, $"{service.ApiMessage ?? "The provider reported an error"} ({TypeOf(service.Body) ?? "error"})", transient: false, innerException: service),
        AnthropicIOException io => Connection(provider, io.GetBaseException().Message, io),
        HttpRequestException { StatusCode: null } http => Connection(provider, http.Message, http),
        HttpRequestException http => new ProviderException(provider, $"{http.Message} (HTTP {(int)http.StatusCode!})", (int)http.StatusCode!, innerException: http),
        IOException io => Connection(provider, io.Message, io),
        AnthropicInvalidDataException invalid => new ProviderException(provider, $"Anthropic sent a response that could not be read: {invalid.GetBaseException().Message}", transient: false, innerException: invalid),
        JsonException json => new ProviderException(provider, $"Anthropic sent a response that could not be read: {json.Message}", transient: false, innerException: json),
        OperationCanceledException timeout => new ProviderException(provider, "Anthropic did not answer within the client timeout.", innerException: timeout),
        _ => null,
    };

    private static ProviderException FromHttp(string provider, AnthropicApiException api, ErrorResponseHeaders? headers)
    {
        var status = (int)api.StatusCode;
        var type = TypeOf(api.Body);
        var message = api.ApiMessage ?? BodySnippet(api.ResponseBody) ?? "No error message";
        var context = type is null ? $"HTTP {status}" : $"HTTP {status}, {type}";

        // A spend-limit 429 comes without retry-after and does not clear by waiting (provider-protocols.md §1.4).
        bool? transient = api.ErrorCode switch
        {
            "enforced_spend_limit_reached" => false,
            _ => headers?.ShouldRetry,
        };
        return new ProviderException(provider, $"{message} ({context})", status, headers?.RetryAfter, transient, api);
    }

    // An `event: error` after the 200: no HTTP status, so the error type decides whether a retry can help.
    private static ProviderException FromStream(string provider, AnthropicSseException sse)
    {
        var type = TypeOf(sse.Body);
        var message = sse.ApiMessage ?? BodySnippet(sse.Body.ValueKind == JsonValueKind.Undefined ? null : sse.Body.GetRawText()) ?? "The stream reported an error";
        return new ProviderException(provider, type is null ? message : $"{message} ({type})", transient: type is null || !s_permanentTypes.Contains(type), innerException: sse);
    }

    private static ProviderException Connection(string provider, string detail, Exception exception) =>
        new(provider, $"The connection to Anthropic failed: {detail}", innerException: exception);

    private static string? TypeOf(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object
        && body.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
        && error.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            ? type.GetString()
            : null;

    // A non-JSON body (a proxy's HTML page) is still worth showing, briefly.
    private static string? BodySnippet(string? body)
    {
        var text = body?.Trim();
        return string.IsNullOrEmpty(text) ? null : text.Length <= 200 ? text : text[..200] + "…";
    }
}
