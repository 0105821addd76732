using Microsoft.Extensions.Configuration;
using Portage.Core;
using Portage.Providers.Anthropic;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>anthropic</c> provider.</summary>
public static class AnthropicPortageBuilderExtensions
{
    /// <summary>
    /// Adds Claude over the Messages API as provider <c>anthropic</c>, configured from <c>Providers:Anthropic</c>
    /// (<c>ApiKey</c>, <c>BaseUrl</c>, <c>DefaultModel</c>, <c>Models</c>, <c>MaxTokens</c>, <c>ContextBudgetTokens</c>,
    /// <c>PromptCaching</c>) with <c>ANTHROPIC_API_KEY</c> and <c>ANTHROPIC_BASE_URL</c> as fallbacks. Without a key it is
    /// listed but not configured.
    /// </summary>
    public static PortageBuilder AddAnthropic(this PortageBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Configuration is read when the definition is first resolved, so test hosts' settings apply.
        builder.Services.AddSingleton(sp => AnthropicProvider.Create(
            AnthropicSettings.From(sp.GetRequiredService<IConfiguration>()),
            sp.GetRequiredService<TimeProvider>()));
        return builder;
    }
}
