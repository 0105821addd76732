using Microsoft.Extensions.Configuration;
using Portage.Core;
using Portage.Providers.OpenAI;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>openai</c> provider and named OpenAI-compatible endpoints.</summary>
public static class OpenAIPortageBuilderExtensions
{
    /// <summary>
    /// Adds <c>openai</c> (section <c>Providers:OpenAI</c>: <c>ApiKey</c>, <c>BaseUrl</c>, <c>DefaultModel</c>, <c>Models</c>,
    /// <c>ContextBudgetTokens</c>; fallbacks <c>OPENAI_API_KEY</c>, <c>OPENAI_BASE_URL</c>), configured when a key or a base
    /// URL is set, and one provider per child of <c>Providers:OpenAICompatible</c> (for example <c>ollama</c>), each
    /// configured when its <c>BaseUrl</c> and <c>DefaultModel</c> are set. A base URL is the API root with <c>/v1</c>, as
    /// the official SDKs take it: <c>http://localhost:11434/v1</c>.
    /// </summary>
    public static PortageBuilder AddOpenAI(this PortageBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(sp => OpenAIProvider.OpenAI(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<TimeProvider>()));

        // Endpoint names must be known now, to register one definition each; their settings are still read lazily.
        foreach (var name in OpenAIProvider.CompatibleNames(builder.Configuration))
        {
            builder.Services.AddSingleton(sp => OpenAIProvider.Compatible(name, sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<TimeProvider>()));
        }

        return builder;
    }
}
