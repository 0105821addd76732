using Microsoft.Extensions.Configuration;
using Portage.Core;
using Portage.Core.Providers;
using Portage.Core.Tenancy;
using Portage.Providers.Google;
using Portage.Providers.Google.AgentEngine;
using Portage.Providers.Google.Gemini;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>google</c> provider.</summary>
public static class GoogleBuilderExtensions
{
    /// <summary>
    /// Adds provider <c>google</c>: the Gemini API (configured by <c>Providers:Google:ApiKey</c> or
    /// <c>GEMINI_API_KEY</c>/<c>GOOGLE_API_KEY</c>; base URL <c>Providers:Google:BaseUrl</c> or <c>GEMINI_BASE_URL</c>),
    /// and, for runs that name a <c>reasoning_engine_id</c>, Vertex AI Agent Engine (configured by
    /// <c>Providers:Google:Project</c> or <c>GOOGLE_CLOUD_PROJECT</c>; region <c>Providers:Google:Location</c> or
    /// <c>GOOGLE_CLOUD_LOCATION</c>; credentials from Application Default Credentials or <c>GOOGLE_ACCESS_TOKEN</c>).
    /// Without credentials the provider is still listed, and runs on it are refused naming what to set.
    /// </summary>
    public static PortageBuilder AddGoogle(this PortageBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Read when first resolved, so a test host's settings apply.
        builder.Services.AddSingleton(sp => new GoogleHttp(
            sp.GetRequiredService<TimeProvider>(),
            GoogleSettings.From(sp.GetRequiredService<IConfiguration>()).Timeout));
        builder.Services.AddSingleton(sp =>
        {
            var settings = GoogleSettings.From(sp.GetRequiredService<IConfiguration>());
            var http = sp.GetRequiredService<GoogleHttp>();
            IAccessTokenSource tokens = settings.AccessToken is { } token ? new StaticAccessToken(token) : new ApplicationDefaultAccessToken();
            return new ProviderDefinition
            {
                Name = GoogleErrors.Provider,
                Client = new GeminiChatClient(http, settings.BaseUrl, settings.ApiKey ?? "", settings.DefaultModel, sp.GetRequiredService<IIdGenerator>()),
                DefaultModel = settings.DefaultModel,
                Models = settings.Models,
                ContextBudgetTokens = settings.ContextBudgetTokens,
                Needs = "GEMINI_API_KEY",
                Configured = settings.ApiKey is not null,
                AgentEngine = new ProviderDefinition
                {
                    Name = GoogleErrors.Provider,
                    Client = new AgentEngineChatClient(http, settings, tokens),
                    DefaultModel = "agent-engine",
                    ContextBudgetTokens = settings.ContextBudgetTokens,
                    ServerSideSessions = true,
                    Needs = "GOOGLE_CLOUD_PROJECT and Google credentials (gcloud auth application-default login)",
                    Configured = settings.Project is not null,
                },
            };
        });
        return builder;
    }
}
