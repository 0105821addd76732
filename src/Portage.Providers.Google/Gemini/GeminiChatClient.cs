using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Portage.Core.Tenancy;

namespace Portage.Providers.Google.Gemini;

/// <summary>
/// The Gemini API (<c>streamGenerateContent?alt=sse</c>) as an <see cref="IChatClient"/>, over plain HTTP. Every
/// failure surfaces as a <see cref="Portage.Core.Providers.ProviderException"/>; no retries happen here.
/// </summary>
internal sealed class GeminiChatClient(GoogleHttp http, string baseUrl, string apiKey, string defaultModel, IIdGenerator ids) : GoogleChatClient
{
    private const string What = "Gemini";

    /// <inheritdoc/>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var model = string.IsNullOrWhiteSpace(options?.ModelId) ? defaultModel : options.ModelId;
        if (model.StartsWith("models/", StringComparison.Ordinal))
        {
            model = model["models/".Length..];
        }

        var url = $"{baseUrl}/v1beta/models/{Uri.EscapeDataString(model)}:streamGenerateContent?alt=sse";
        using var response = await http.PostAsync(url, GeminiRequest.Build(messages, options), r => r.Headers.Add("x-goog-api-key", apiKey), What, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);

        var reader = new GeminiStreamReader(model, ids);
        await using var frames = SseParser.Create(body).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (await GoogleHttp.MoveNextAsync(frames, What, cancellationToken))
        {
            if (string.IsNullOrWhiteSpace(frames.Current.Data) || frames.Current.Data == "[DONE]")
            {
                continue;
            }

            if (reader.Read(frames.Current.Data) is { } update)
            {
                yield return update;
            }
        }

        yield return reader.Complete();
    }
}
