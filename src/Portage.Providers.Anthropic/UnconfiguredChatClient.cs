using Microsoft.Extensions.AI;
using Portage.Core.Providers;

namespace Portage.Providers.Anthropic;

/// <summary>
/// Stands in for the provider while it has no API key. Core refuses runs on an unconfigured provider before calling
/// it, so this only answers a caller that bypasses that check, with an error that says what to set.
/// </summary>
internal sealed class UnconfiguredChatClient(string providerName, string needs) : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw NotConfigured();

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw NotConfigured();

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType?.IsInstanceOfType(this) == true ? this : null;

    public void Dispose()
    {
    }

    private ProviderException NotConfigured() =>
        new(providerName, $"The {providerName} provider is not configured: set {needs}.", transient: false);
}
