using Microsoft.Extensions.AI;

namespace Portage.Providers.Google;

/// <summary>
/// What Google's chat clients share: they stream, a whole response is the stream collected, and they own nothing
/// to dispose (the HTTP client is shared and owned by the container).
/// </summary>
internal abstract class GoogleChatClient : IChatClient
{
    /// <inheritdoc/>
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    /// <inheritdoc/>
    public abstract IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default);

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType?.IsInstanceOfType(this) == true ? this : null;

    /// <inheritdoc/>
    public void Dispose()
    {
        // Nothing of its own to release.
    }
}
