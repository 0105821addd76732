using System.Text.RegularExpressions;
using Portage.Core.Errors;
using Portage.Core.Providers;
using Portage.Protocol.Runs;

namespace Portage.Core.Runs;

// Which provider and model run the request.
public sealed partial class RunRequestValidator
{
    /// <summary>The model name recorded for runs on an Agent Engine: the engine decides which model answers.</summary>
    public static string AgentEngineModel(string reasoningEngineId) => "agent-engine/" + reasoningEngineId;

    // A provider without credentials is refused before streaming, naming what to set. With reasoning_engine_id the
    // provider's Agent Engine variant runs, and the engine stands in for the model: its sessions are the engine's own.
    private (ProviderDefinition Provider, string Model) ResolveProvider(AgentRunRequest request)
    {
        var provider = providers.Resolve(request.Provider);
        if (!string.IsNullOrWhiteSpace(request.ReasoningEngineId))
        {
            // Both end up in a URL (the region in the host name), so only plain identifiers pass.
            if (!ResourceId().IsMatch(request.ReasoningEngineId.Trim()))
            {
                throw PortageException.BadRequest("invalid_reasoning_engine_id",
                    "reasoning_engine_id is the Agent Engine's id (letters, digits, '-' and '_'; for example 1234567890123456789), not a URL or resource path.");
            }

            if (!string.IsNullOrWhiteSpace(request.Location) && !Region().IsMatch(request.Location.Trim()))
            {
                throw PortageException.BadRequest("invalid_location", "location is a Google Cloud region such as us-central1 or europe-west4.");
            }

            provider = provider.AgentEngine
                ?? throw PortageException.BadRequest("reasoning_engine_unsupported",
                    $"reasoning_engine_id is only understood by provider 'google' (Vertex AI Agent Engine); provider '{provider.Name}' has no agent engines. Remove reasoning_engine_id.");
        }

        if (!provider.Configured)
        {
            throw PortageException.BadRequest("provider_not_configured",
                $"Provider '{provider.Name}' is not configured: set {provider.Needs} and restart the router. GET /api/v1/providers lists what each provider needs.");
        }

        if (provider.ServerSideSessions && !string.IsNullOrWhiteSpace(request.ReasoningEngineId))
        {
            return (provider, AgentEngineModel(request.ReasoningEngineId.Trim()));
        }

        return (provider, string.IsNullOrWhiteSpace(request.Model) ? provider.DefaultModel : request.Model.Trim());
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$")]
    private static partial Regex ResourceId();

    [GeneratedRegex("^[a-z][a-z0-9-]{1,62}$")]
    private static partial Regex Region();
}
