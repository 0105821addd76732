using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Portage.Core.Providers;
using Portage.Core.Telemetry;

namespace Portage.Core.Runs;

/// <summary>
/// The provider client of one run or gateway call: retried before its first token and traced as one <c>chat</c> span per
/// attempt, the same for every caller of a provider.
/// </summary>
internal static class ProviderPipeline
{
    /// <summary>Composes the provider's client for one call of <paramref name="model"/>; retries are logged to <paramref name="logger"/>.</summary>
    public static IChatClient Compose(
        ProviderDefinition provider, string model, RunTrace trace, string runId, KeyValuePair<string, object?>[] metricTags,
        ProviderRetryOptions retry, TimeProvider time, ILogger logger, ContentLogging content) =>
        new ChatClientBuilder(provider.Client)
            .UseProviderRetry(retry, time, logger, content.Redact, runId)
            .UseProviderTelemetry(trace, provider.Name, model, runId, metricTags, time)
            .Build();
}
