using Microsoft.Extensions.AI;

namespace Portage.Core.Providers;

/// <summary>
/// One attempt of a provider call, as <see cref="RetryingChatClient"/> tells the clients below it through
/// <see cref="ChatOptions.AdditionalProperties"/>: which retry it is, and whether a failure of it will be retried. The
/// telemetry client needs the answer before it ends the attempt's span (the <c>portage.retry</c> event goes on it).
/// </summary>
public sealed class ProviderAttempt
{
    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key the attempt travels under.</summary>
    public const string Key = "portage.provider_attempt";

    private readonly Func<Exception, TimeSpan?> _decide;
    private (Exception Failure, TimeSpan? Delay)? _decided;

    internal ProviderAttempt(int retry, Func<Exception, TimeSpan?> decide)
    {
        Retry = retry;
        _decide = decide;
    }

    /// <summary>0 for a call's first attempt, then the number of the retry.</summary>
    public int Retry { get; }

    /// <summary>
    /// How long the retrying client waits before trying again after <paramref name="failure"/>, or null when it gives
    /// up. Decided once per failure: whoever asks first, the answer is the one the retrying client acts on.
    /// </summary>
    public TimeSpan? RetryDelay(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (_decided is not { } decided || !ReferenceEquals(decided.Failure, failure))
        {
            decided = (failure, _decide(failure));
            _decided = decided;
        }

        return decided.Delay;
    }

    /// <summary>The attempt a call belongs to, or null when no retrying client sits above.</summary>
    public static ProviderAttempt? Of(ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(Key, out var value) == true ? value as ProviderAttempt : null;
}
