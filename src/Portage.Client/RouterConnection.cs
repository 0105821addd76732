using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Portage.Protocol;

namespace Portage.Client;

/// <summary>
/// The HTTP plumbing shared by <see cref="AgentRouter"/> and the resources: base URL, bearer header, error mapping
/// and the retry policy of idempotent JSON calls.
/// </summary>
internal sealed class RouterConnection : IDisposable
{
    private const int MaxErrorBodyChars = 300;

    // Requests omit null fields, as the Copass SDKs do, so optional Portage extensions never reach a Copass server.
    private static readonly ProtocolJson s_requestJson = new(
        new JsonSerializerOptions(ProtocolJson.Default.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull });

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly string? _apiKey;
    private readonly int _maxAttempts;
    private readonly TimeSpan _retryBaseDelay;

    public RouterConnection(AgentRouterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RetryBaseDelay, TimeSpan.Zero);

        _ownsHttp = options.HttpClient is null;
        _http = options.HttpClient ?? new HttpClient();
        _apiKey = options.ApiKey;
        _maxAttempts = options.MaxAttempts;
        _retryBaseDelay = options.RetryBaseDelay;
        SandboxId = options.SandboxId;
        ApiUrl = (options.ApiUrl ?? _http.BaseAddress?.ToString() ?? AgentRouterOptions.DefaultApiUrl).TrimEnd('/');
        if (!Uri.TryCreate(ApiUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"ApiUrl '{ApiUrl}' is not an absolute http(s) URL.", nameof(options));
        }
    }

    public string ApiUrl { get; }

    public string? SandboxId { get; }

    /// <summary>
    /// A JSON request body without null fields, serialized up front so it has a Content-Length (some proxies and
    /// servers refuse chunked request bodies).
    /// </summary>
    public static HttpContent JsonBody<T>(T value)
    {
        var typeInfo = (JsonTypeInfo<T>)s_requestJson.GetTypeInfo(typeof(T))!;
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    public HttpRequestMessage CreateRequest(HttpMethod method, string path, string accept = "application/json")
    {
        var request = new HttpRequestMessage(method, ApiUrl + path);
        if (_apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        return request;
    }

    /// <summary>Sends a request once and returns the response as soon as its headers arrive (for streams).</summary>
    public Task<HttpResponseMessage> SendStreamingAsync(HttpRequestMessage request, CancellationToken ct) =>
        _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);

    /// <summary>
    /// Sends a JSON call with <paramref name="body"/> as its JSON body, refusing a null body by the caller's parameter name
    /// (retried as <see cref="SendJsonAsync{TResponse}"/> says).
    /// </summary>
    public Task<TResponse> SendBodyAsync<TRequest, TResponse>(
        string operation,
        HttpMethod method,
        string path,
        TRequest body,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken ct,
        [CallerArgumentExpression(nameof(body))] string bodyName = "")
    {
        ArgumentNullException.ThrowIfNull(body, bodyName);
        return SendJsonAsync(operation, method, path, responseType, () => JsonBody(body), ct);
    }

    /// <summary>Sends a JSON call; GETs are retried on 5xx and network errors, anything else is sent once.</summary>
    public async Task<TResponse> SendJsonAsync<TResponse>(
        string operation,
        HttpMethod method,
        string path,
        JsonTypeInfo<TResponse> responseType,
        Func<HttpContent?>? content,
        CancellationToken ct)
    {
        var retryable = method == HttpMethod.Get;
        for (var attempt = 1; ; attempt++)
        {
            var canRetry = retryable && attempt < _maxAttempts;
            using var request = CreateRequest(method, path);
            request.Content = content?.Invoke();
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            }
            catch (HttpRequestException) when (canRetry)
            {
                await Task.Delay(Backoff(attempt), ct);
                continue;
            }
            catch (TaskCanceledException) when (canRetry && !ct.IsCancellationRequested)
            {
                // HttpClient.Timeout elapsed: a network error, not the caller's cancellation.
                await Task.Delay(Backoff(attempt), ct);
                continue;
            }

            using (response)
            {
                if (response.IsSuccessStatusCode)
                {
                    var body = await response.Content.ReadFromJsonAsync(responseType, ct);
                    return body ?? throw new AgentRouterException(
                        operation, response.StatusCode, "empty_response", "the server answered without a body");
                }

                if (canRetry && (int)response.StatusCode >= 500)
                {
                    await Task.Delay(Backoff(attempt), ct);
                    continue;
                }

                throw await ToExceptionAsync(operation, response, ct);
            }
        }
    }

    /// <summary>Reads a non-2xx answer into an <see cref="AgentRouterException"/>.</summary>
    public static async Task<AgentRouterException> ToExceptionAsync(
        string operation, HttpResponseMessage response, CancellationToken ct)
    {
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            text = string.Empty;
        }

        ErrorBody? body = null;
        try
        {
            body = JsonSerializer.Deserialize(text, ProtocolJson.Default.ErrorBody);
        }
        catch (JsonException)
        {
            // Not an error body (a proxy's HTML page, a FastAPI 422 list, ...): keep the raw start instead.
        }

        return body is { Error: not null }
            ? new AgentRouterException(operation, response.StatusCode, body.Error, body.Detail)
            : new AgentRouterException(operation, response.StatusCode, null, Truncate(text.Trim()));
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private TimeSpan Backoff(int attempt) => _retryBaseDelay * Math.Pow(2, attempt - 1);

    private static string Truncate(string text) =>
        text.Length <= MaxErrorBodyChars ? text : text[..MaxErrorBodyChars];
}
