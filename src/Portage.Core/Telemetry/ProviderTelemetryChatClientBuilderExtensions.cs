using Microsoft.Extensions.AI;

namespace Portage.Core.Telemetry;

/// <summary>Adds <see cref="ProviderTelemetryChatClient"/> to a <see cref="ChatClientBuilder"/> pipeline.</summary>
public static class ProviderTelemetryChatClientBuilderExtensions
{
    /// <summary>Traces each call of the clients below as a <c>chat {model}</c> span of the run's trace.</summary>
    public static ChatClientBuilder UseProviderTelemetry(
        this ChatClientBuilder builder, RunTrace? trace, string provider, string model, string runId, KeyValuePair<string, object?>[] metricTags, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new ProviderTelemetryChatClient(inner, trace, provider, model, runId, metricTags, time));
    }
}
