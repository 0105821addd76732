using System.ClientModel;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Portage.Core.Providers;

namespace Portage.Providers.OpenAI;

/// <summary>
/// Wraps MEAI's OpenAI chat client for Portage. Every failure reaches Core as a <see cref="ProviderException"/>: HTTP
/// errors (<see cref="ClientResultException"/>), <c>data: {"error":…}</c> chunks in the middle of a stream (which the
/// SDK parses as an empty update and would otherwise pass over in silence), malformed chunks and lost connections;
/// cancellation by the caller passes through untouched. Tool calls and results go out as compact JSON
/// (<see cref="OpenAIWireMessages"/>).
/// </summary>
internal sealed class OpenAIProviderChatClient(IChatClient inner, string provider, TimeProvider time) : DelegatingChatClient(inner)
{
    /// <inheritdoc/>
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(OpenAIWireMessages.Compact(messages), options, cancellationToken);
        }
        catch (Exception ex) when (Translate(ex, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The SDK sends the request on the first MoveNextAsync, so the stream is stepped by hand: yield cannot sit in a
        // try block that has a catch.
        await using var updates = base.GetStreamingResponseAsync(OpenAIWireMessages.Compact(messages), options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await updates.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (Exception ex) when (Translate(ex, cancellationToken) is { } translated)
            {
                throw translated;
            }

            if (OpenAIErrors.FromStreamChunk(provider, updates.Current) is { } streamError)
            {
                throw streamError;
            }

            yield return updates.Current;
        }
    }

    private ProviderException? Translate(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        ProviderException => null,
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        ClientResultException { Status: > 0 } http => OpenAIErrors.FromHttpError(provider, http, time.GetUtcNow()),
        ClientResultException connection => new ProviderException(provider, $"Could not reach the {provider} endpoint: {Innermost(connection).Message}", innerException: connection),
        HttpRequestException or IOException => new ProviderException(provider, $"The connection to the {provider} endpoint failed: {Innermost(exception).Message}", innerException: exception),
        OperationCanceledException => new ProviderException(provider, $"The {provider} endpoint did not answer in time.", innerException: exception),
        JsonException or FormatException or InvalidOperationException or KeyNotFoundException =>
            new ProviderException(provider, $"The {provider} endpoint sent a malformed stream event: {exception.Message}", transient: false, innerException: exception),
        _ => null,
    };

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception;
    }
}
