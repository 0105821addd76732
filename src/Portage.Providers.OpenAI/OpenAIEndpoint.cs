using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

namespace Portage.Providers.OpenAI;

/// <summary>
/// One OpenAI Chat Completions endpoint as configured: OpenAI itself or an OpenAI-compatible server (Ollama, vLLM,
/// llama.cpp). <see cref="BaseUrl"/> is the API root exactly as the official SDKs take it, <c>/v1</c> included
/// (<c>https://api.openai.com/v1</c>, <c>http://localhost:11434/v1</c>); the SDK appends <c>chat/completions</c>.
/// </summary>
internal sealed record OpenAIEndpoint(string Provider, string? ApiKey, string? BaseUrl)
{
    // Local servers accept any key, but the SDK refuses an empty one; this one says where it came from.
    internal const string PlaceholderKey = "portage-no-key";

    // A local model may think for minutes before its first token (or load weights first); the SDK's default network
    // timeout of 100 s would cut it off. Core's cancellation still ends a run at once.
    private static readonly TimeSpan NetworkTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Builds the chat client: SDK retries off (Core owns the one retry policy), failures as <c>ProviderException</c>.</summary>
    public IChatClient CreateChatClient(string defaultModel, TimeProvider time)
    {
        var options = new OpenAIClientOptions
        {
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = NetworkTimeout,
        };
        if (!string.IsNullOrEmpty(BaseUrl))
        {
            options.Endpoint = new Uri(BaseUrl.TrimEnd('/'));
        }

        var chat = new ChatClient(defaultModel, new ApiKeyCredential(string.IsNullOrEmpty(ApiKey) ? PlaceholderKey : ApiKey), options);
        return new OpenAIProviderChatClient(chat.AsIChatClient(), Provider, time);
    }
}
