using Anthropic;
using Anthropic.Core;
using Microsoft.Extensions.AI;
using Portage.Core.Providers;

namespace Portage.Providers.Anthropic;

/// <summary>Builds the <c>anthropic</c> provider definition from its settings.</summary>
public static class AnthropicProvider
{
    /// <summary>The wire's <c>provider</c> value.</summary>
    public const string Name = "anthropic";

    /// <summary>What users must set for the provider to work.</summary>
    public const string Needs = "ANTHROPIC_API_KEY";

    /// <summary>
    /// The definition: the SDK's chat client behind <see cref="AnthropicChatClient"/> when a key is set, otherwise an
    /// unconfigured definition that is listed but refused.
    /// </summary>
    public static ProviderDefinition Create(AnthropicSettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        return new ProviderDefinition
        {
            Name = Name,
            Client = settings.ApiKey is null ? new UnconfiguredChatClient(Name, Needs) : CreateClient(settings, time),
            DefaultModel = settings.DefaultModel,
            Models = settings.Models,
            ContextBudgetTokens = settings.ContextBudgetTokens,
            Needs = Needs,
            Configured = settings.ApiKey is not null,
        };
    }

    private static AnthropicChatClient CreateClient(AnthropicSettings settings, TimeProvider time)
    {
        var sdk = new AnthropicClient(new ClientOptions
        {
            ApiKey = settings.ApiKey,
            BaseUrl = settings.BaseUrl,

            // Core owns the one retry policy (before the first token, honouring retry-after).
            MaxRetries = 0,
            Handlers = [new ErrorHeadersHandler(time)],
        });
        return new AnthropicChatClient(sdk.AsIChatClient(settings.DefaultModel), Name, settings.DefaultModel, settings.MaxTokens, settings.PromptCaching);
    }
}
