using Portage.Core.Providers;
using Portage.Core.Tenancy;
using Portage.Providers.Google.AgentEngine;
using Portage.Providers.Google.Gemini;

namespace Portage.Providers.Google;

/// <summary>Builds the <c>google</c> provider definition (Gemini, with Vertex AI Agent Engine beside it) from its settings.</summary>
public static class GoogleProvider
{
    /// <summary>The wire's <c>provider</c> value.</summary>
    public const string Name = "google";

    /// <summary>
    /// The definition: Gemini, configured by an API key, and Agent Engine for runs that name a reasoning engine,
    /// configured by a project. Without them the provider is still listed, and runs on it are refused naming what to set.
    /// </summary>
    internal static ProviderDefinition Create(GoogleSettings settings, GoogleHttp http, IIdGenerator ids)
    {
        IAccessTokenSource tokens = settings.AccessToken is { } token ? new StaticAccessToken(token) : new ApplicationDefaultAccessToken();
        return new ProviderDefinition
        {
            Name = Name,
            Client = new GeminiChatClient(http, settings.BaseUrl, settings.ApiKey ?? "", settings.DefaultModel, ids),
            DefaultModel = settings.DefaultModel,
            Models = settings.Models,
            ContextBudgetTokens = settings.ContextBudgetTokens,
            Needs = "GEMINI_API_KEY",
            Configured = settings.ApiKey is not null,
            AgentEngine = new ProviderDefinition
            {
                Name = Name,
                Client = new AgentEngineChatClient(http, settings, tokens),
                DefaultModel = "agent-engine",
                ContextBudgetTokens = settings.ContextBudgetTokens,
                ServerSideSessions = true,
                Needs = "GOOGLE_CLOUD_PROJECT and Google credentials (gcloud auth application-default login)",
                Configured = settings.Project is not null,
            },
        };
    }
}
