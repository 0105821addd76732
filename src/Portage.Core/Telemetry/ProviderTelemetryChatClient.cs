using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Portage.Core.Errors;
using Portage.Core.Providers;

namespace Portage.Core.Telemetry;

/// <summary>
/// Traces each provider call of one run as a <c>chat {model}</c> span under the run span: its first token (an event on
/// the span; the run's first also a metric), its failure (error status, error metric, and the <c>portage.retry</c>
/// event when <see cref="RetryingChatClient"/> above will try again) and its time inside the provider. One instance
/// per run: it keeps whether the run has seen its first token.
/// </summary>
public sealed class ProviderTelemetryChatClient(
    IChatClient innerClient,
    RunTrace? trace,
    string provider,
    string model,
    string runId,
    KeyValuePair<string, object?>[] metricTags,
    TimeProvider time) : DelegatingChatClient(innerClient)
{
    private bool _runSawContent;

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var attempt = ProviderAttempt.Of(options);
        var started = time.GetTimestamp();
        var span = StartSpan(attempt?.Retry ?? 0);
        var sawContent = false;
        IAsyncEnumerator<ChatResponseUpdate>? updates = null;
        try
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    updates ??= base.GetStreamingResponseAsync(messages, Without(options), cancellationToken).GetAsyncEnumerator(cancellationToken);
                    if (!await updates.MoveNextAsync())
                    {
                        break;
                    }

                    update = updates.Current;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    Failed(span, ex, attempt?.RetryDelay(ex));
                    throw;
                }

                if (!sawContent && update.Contents.Count > 0)
                {
                    sawContent = true;
                    FirstToken(span);
                }

                yield return update;
            }
        }
        finally
        {
            if (updates is not null)
            {
                await updates.DisposeAsync();
            }

            if (trace is not null)
            {
                trace.ProviderTime += time.GetElapsedTime(started);
            }

            span?.Dispose();
        }
    }

    // Its parent is the run span given explicitly: an async iterator resumes with its consumer's Activity.Current.
    private Activity? StartSpan(int retry)
    {
        var parent = trace?.Activity;
        var span = parent is null
            ? PortageTelemetry.Source.StartActivity($"chat {model}", ActivityKind.Client)
            : PortageTelemetry.Source.StartActivity($"chat {model}", ActivityKind.Client, parent.Context);
        span?.SetTag("gen_ai.operation.name", "chat");
        span?.SetTag("gen_ai.system", provider);
        span?.SetTag("gen_ai.request.model", model);
        span?.SetTag("portage.run.id", runId);
        if (retry > 0)
        {
            span?.SetTag("portage.retry", retry);
        }

        return span;
    }

    // The first update with content marks time to first token (an event on the call; a metric for the run's first).
    private void FirstToken(Activity? span)
    {
        span?.AddEvent(new ActivityEvent("gen_ai.first_token", time.GetUtcNow()));
        if (!_runSawContent && trace is not null)
        {
            _runSawContent = true;
            PortageTelemetry.TimeToFirstToken.Record(trace.Elapsed.TotalSeconds, metricTags);
        }
    }

    private void Failed(Activity? span, Exception failure, TimeSpan? retryIn)
    {
        PortageTelemetry.Fail(span, failure);
        PortageTelemetry.Errors.Add(1, new KeyValuePair<string, object?>("error.type", ErrorType(failure)),
            new KeyValuePair<string, object?>("gen_ai.system", provider));
        if (retryIn is { } delay)
        {
            var attributes = new ActivityTagsCollection { ["error.type"] = ErrorType(failure), ["portage.retry.delay_ms"] = delay.TotalMilliseconds };
            span?.AddEvent(new ActivityEvent("portage.retry", time.GetUtcNow(), attributes));
            trace?.Activity?.AddEvent(new ActivityEvent("portage.retry", time.GetUtcNow(), attributes));
        }
    }

    // The attempt is for the clients of this chain only: the provider gets the options as the run made them.
    private static ChatOptions? Without(ChatOptions? options)
    {
        if (options?.AdditionalProperties?.ContainsKey(ProviderAttempt.Key) != true)
        {
            return options;
        }

        var copy = options.Clone();
        copy.AdditionalProperties = new AdditionalPropertiesDictionary(options.AdditionalProperties);
        copy.AdditionalProperties.Remove(ProviderAttempt.Key);
        return copy;
    }

    private static string ErrorType(Exception exception) =>
        exception is PortageException p ? p.ErrorType : exception.GetType().Name;
}
