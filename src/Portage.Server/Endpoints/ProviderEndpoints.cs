using Portage.Core.Providers;
using Portage.Protocol;
using Portage.Protocol.Providers;
using Portage.Protocol.Tenancy;

namespace Portage.Server.Endpoints;

/// <summary>Portage extension: which providers are known, which are configured, and what each needs.</summary>
internal static class ProviderEndpoints
{
    public static RouteGroupBuilder MapProviders(this RouteGroupBuilder api)
    {
        api.MapGet("/providers", List).RequireScope(ApiKeyScopes.Runs).WithTags("Providers").WithSummary("The configured providers and their models")
            .Produces<ProviderList>();
        return api;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<ProviderList> List(ProviderRegistry registry)
    {
        IReadOnlyList<ProviderInfo> providers = [.. registry.All.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => new ProviderInfo
        {
            Name = p.Name,
            DefaultModel = p.DefaultModel,
            Models = p.Models,
            Needs = p.Needs,
            Sessions = p.ServerSideSessions
                ? "the provider's own session id; Portage sends only new messages"
                : "minted by Portage (sess_…); Portage keeps the provider-native transcript and replays it",
            Configured = p.Configured,
            AgentEngines = p.AgentEngine is not null,
        })];
        return TypedResults.Json(new ProviderList(providers, providers.Count), ProtocolJson.Wire.ProviderList);
    }
}
