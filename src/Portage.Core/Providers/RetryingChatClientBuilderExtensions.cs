using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Portage.Core.Providers;

/// <summary>Adds <see cref="RetryingChatClient"/> to a <see cref="ChatClientBuilder"/> pipeline.</summary>
public static class RetryingChatClientBuilderExtensions
{
    /// <summary>
    /// Retries the calls of the clients below under <see cref="ProviderRetry"/>, logging each retry and the final failure
    /// of run <paramref name="runId"/> (exceptions pass through <paramref name="redact"/> first).
    /// </summary>
    public static ChatClientBuilder UseProviderRetry(
        this ChatClientBuilder builder, ProviderRetryOptions settings, TimeProvider time, ILogger logger, Func<Exception, Exception> redact, string runId)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new RetryingChatClient(inner, settings, time, logger, redact, runId));
    }
}
