using System.Collections.Concurrent;
using Portage.Core.Signals;

namespace Portage.Core.Streams;

/// <summary>
/// Lets followers of a run on another replica sleep until its next frames are stored: one subscription to the
/// signals, one task per run that completes on the run's next <see cref="RunSignalKind.Events"/> signal.
/// </summary>
public sealed class RunEventWaiters : IDisposable
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiting = new(StringComparer.Ordinal);
    private readonly IDisposable _subscription;

    /// <summary>Subscribes to the signals.</summary>
    public RunEventWaiters(IRunSignals signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        _subscription = signals.Subscribe(OnSignal);
    }

    /// <summary>
    /// A task that completes at the run's next events signal. Taken before reading the store, so frames stored between
    /// the read and the wait still wake the follower.
    /// </summary>
    public Task Next(string runId) =>
        _waiting.GetOrAdd(runId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Forgets the run's pending wait (its follower left); another follower still waiting falls back to polling.</summary>
    public void Release(string runId) => _waiting.TryRemove(runId, out _);

    /// <inheritdoc/>
    public void Dispose() => _subscription.Dispose();

    private void OnSignal(RunSignal signal)
    {
        if (signal.Kind == RunSignalKind.Events && _waiting.TryRemove(signal.RunId, out var waiting))
        {
            waiting.TrySetResult();
        }
    }
}
