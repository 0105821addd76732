using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Portage.Core.Providers;

namespace Portage.Providers.Anthropic;

/// <summary>
/// Wraps the SDK's <see cref="IChatClient"/> with what Portage needs on top: a per-model <c>max_tokens</c> when the run
/// gives none (the Messages API requires one), no sampling parameters (API version 2026-10-21 rejects
/// <c>temperature</c>, <c>top_p</c> and <c>top_k</c>), compact tool results (see <see cref="ToolResults"/>), prompt-cache
/// breakpoints unless switched off (see <see cref="PromptCache"/>), and every SDK failure as a <see cref="ProviderException"/>.
/// Cancellation by the caller propagates untranslated.
/// </summary>
internal sealed class AnthropicChatClient(IChatClient inner, string providerName, string defaultModel, MaxTokensTable maxTokens, bool promptCaching)
    : DelegatingChatClient(inner)
{
    /// <inheritdoc/>
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var headers = new ErrorResponseHeaders();
        ErrorResponseHeaders.Current = headers;
        try
        {
            var prepared = Prepare(options);
            return await base.GetResponseAsync(Messages(messages, prepared), prepared, cancellationToken);
        }
        catch (Exception ex) when (AnthropicErrors.Translate(providerName, ex, headers, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var headers = new ErrorResponseHeaders();
        var prepared = Prepare(options);
        var updates = base.GetStreamingResponseAsync(Messages(messages, prepared), prepared, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var finished = false;
        try
        {
            while (true)
            {
                // yield cannot sit inside try/catch, so the stream is stepped by hand. The holder is set before each
                // step because the caller's execution context, not this iterator's, is current whenever it resumes us.
                ErrorResponseHeaders.Current = headers;
                try
                {
                    if (!await updates.MoveNextAsync())
                    {
                        break;
                    }
                }
                catch (Exception ex) when (AnthropicErrors.Translate(providerName, ex, headers, cancellationToken) is { } translated)
                {
                    throw translated;
                }

                finished |= updates.Current.FinishReason is not null;
                yield return updates.Current;
            }
        }
        finally
        {
            await updates.DisposeAsync();
        }

        // Every complete answer has a message_delta with its stop_reason. A body that ends without one was cut off
        // (a proxy or the connection closed it cleanly), and the SDK ends such a stream without complaint.
        if (!finished)
        {
            throw new ProviderException(providerName, "Anthropic's stream ended before the answer was complete (no stop_reason).");
        }
    }

    private IEnumerable<ChatMessage> Messages(IEnumerable<ChatMessage> messages, ChatOptions prepared)
    {
        var compact = ToolResults.Compact(messages);
        return promptCaching ? PromptCache.Mark(compact, prepared) : compact;
    }

    private ChatOptions Prepare(ChatOptions? options)
    {
        var prepared = options?.Clone() ?? new ChatOptions();
        prepared.ModelId ??= defaultModel;
        prepared.MaxOutputTokens ??= maxTokens.For(prepared.ModelId);
        prepared.Temperature = null;
        prepared.TopP = null;
        prepared.TopK = null;
        return prepared;
    }
}
