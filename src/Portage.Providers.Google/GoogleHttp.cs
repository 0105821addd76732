using System.Text;
using System.Text.Json.Nodes;
using Portage.Core.Providers;

namespace Portage.Providers.Google;

/// <summary>
/// The HTTP plumbing both Google clients share: one pooled <see cref="HttpClient"/> (owned by DI, disposed with the
/// host), and the translation of transport failures into <see cref="ProviderException"/>s. Cancellation by the caller
/// always propagates as <see cref="OperationCanceledException"/>.
/// </summary>
internal sealed class GoogleHttp(TimeProvider time, TimeSpan timeout) : IDisposable
{
    // Error bodies are read for their message only; a runaway body must not be buffered whole.
    private const int MaxErrorBodyChars = 64 * 1024;

    private readonly HttpClient _client = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = timeout,
    };

    /// <summary>POSTs JSON and returns the response once its headers arrived; any non-2xx answer throws.</summary>
    public async Task<HttpResponseMessage> PostAsync(string url, JsonObject body, Action<HttpRequestMessage> authorize, string what, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        authorize(request);

        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception ex) when (Translate(ex, what, cancellationToken) is { } translated)
        {
            throw translated;
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            string text;
            try
            {
                text = await ReadLimitedAsync(response.Content, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                // The status alone still says what happened.
                text = "";
            }

            throw GoogleErrors.FromResponse((int)response.StatusCode, response.ReasonPhrase, response.Headers, text, time);
        }
    }

    /// <summary>
    /// Steps a response-body enumerator, translating a connection lost mid-body. Callers step by hand because
    /// <c>yield return</c> cannot sit inside a <c>try</c> with a <c>catch</c>.
    /// </summary>
    public static async ValueTask<bool> MoveNextAsync<T>(IAsyncEnumerator<T> enumerator, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(enumerator);
        try
        {
            return await enumerator.MoveNextAsync();
        }
        catch (Exception ex) when (Translate(ex, what, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    public void Dispose() => _client.Dispose();

    // Null means "let it propagate": the caller's cancellation, or an exception that is already a ProviderException.
    private static Exception? Translate(Exception exception, string what, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return exception is OperationCanceledException ? null : new OperationCanceledException(exception.Message, exception, cancellationToken);
        }

        return exception switch
        {
            ProviderException => null,
            TaskCanceledException or TimeoutException => new ProviderException(GoogleProvider.Name, $"{what} did not answer in time ({exception.Message}).", innerException: exception),
            HttpRequestException http => new ProviderException(GoogleProvider.Name, $"Could not reach {what}: {http.Message}", innerException: http),
            IOException io => new ProviderException(GoogleProvider.Name, $"The connection to {what} was lost mid-stream: {io.Message}", innerException: io),
            _ => null,
        };
    }

    private static async Task<string> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var buffer = new char[MaxErrorBodyChars];
        var read = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken);
        return new string(buffer, 0, read);
    }
}
