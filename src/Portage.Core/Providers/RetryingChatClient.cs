using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Portage.Core.Providers;

/// <summary>
/// Retries a provider call under <see cref="ProviderRetry"/>: only while nothing of its answer has reached the caller,
/// only for transient failures, after the policy's wait on the injected clock. Updates that would put nothing on the
/// wire (a role, an id, usage) are held back until one that does, so they cannot prevent a retry, and a retried
/// attempt's held-back updates are dropped. Each model call of a tool cycle is its own call, with its own retries.
/// </summary>
public sealed partial class RetryingChatClient(
    IChatClient innerClient,
    ProviderRetryOptions settings,
    TimeProvider time,
    ILogger logger,
    Func<Exception, Exception> redact,
    string runId) : DelegatingChatClient(innerClient)
{
    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var retries = 0;
        while (true)
        {
            var released = false;
            var attempt = new ProviderAttempt(retries, failure => released ? null : ProviderRetry.DelayBefore(retries + 1, failure, settings));
            var held = new List<ChatResponseUpdate>();
            TimeSpan? delay = null;
            var attemptOptions = With(options, attempt);
            IAsyncEnumerator<ChatResponseUpdate>? updates = null;
            try
            {
                while (true)
                {
                    // yield cannot sit inside try/catch, so the call is stepped by hand and its failure decided here.
                    ChatResponseUpdate update;
                    try
                    {
                        // Starting the call is inside the try too: a client may fail before returning its stream.
                        updates ??= base.GetStreamingResponseAsync(messages, attemptOptions, cancellationToken).GetAsyncEnumerator(cancellationToken);
                        if (!await updates.MoveNextAsync())
                        {
                            break;
                        }

                        update = updates.Current;
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        throw;
                    }
                    catch (Exception ex)
                    {
                        delay = attempt.RetryDelay(ex);
                        if (delay is null)
                        {
                            LogGaveUp(logger, redact(ex), runId, retries);
                            throw;
                        }

                        LogRetry(logger, redact(ex), runId, retries + 1, delay.Value.TotalMilliseconds);
                        break;
                    }

                    if (!released && !ReachesClient(update))
                    {
                        held.Add(update);
                        continue;
                    }

                    released = true;
                    foreach (var early in held)
                    {
                        yield return early;
                    }

                    held.Clear();
                    yield return update;
                }
            }
            finally
            {
                if (updates is not null)
                {
                    await updates.DisposeAsync();
                }
            }

            if (delay is null)
            {
                // The call ended well without anything for the client: what it did send still belongs to the answer.
                foreach (var early in held)
                {
                    yield return early;
                }

                yield break;
            }

            await Task.Delay(delay.Value, time, cancellationToken);
            retries++;
        }
    }

    // What TurnRecorder.Observe turns into a wire event: text, a tool call, a tool result the provider ran itself.
    internal static bool ReachesClient(ChatResponseUpdate update) =>
        update.Contents.Any(c => c is TextContent { Text.Length: > 0 } or FunctionCallContent or FunctionResultContent);

    private static ChatOptions With(ChatOptions? options, ProviderAttempt attempt)
    {
        var copy = options?.Clone() ?? new ChatOptions();
        copy.AdditionalProperties = copy.AdditionalProperties is null ? [] : new AdditionalPropertiesDictionary(copy.AdditionalProperties);
        copy.AdditionalProperties[ProviderAttempt.Key] = attempt;
        return copy;
    }

    [LoggerMessage(LogLevel.Warning, "Run {RunId}: provider call failed before its first token; retry {Retry} in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, Exception exception, string runId, int retry, double delayMs);

    [LoggerMessage(LogLevel.Warning, "Run {RunId}: the provider call failed ({Retries} retries before it); the run ends with agent_error")]
    private static partial void LogGaveUp(ILogger logger, Exception exception, string runId, int retries);
}
