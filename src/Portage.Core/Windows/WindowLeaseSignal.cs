using System.Collections.Concurrent;

namespace Portage.Core.Windows;

/// <summary>
/// Wakes the runs of this process that wait for a window's lease (rule 8) when a run here releases it, so a waiting run
/// starts at once instead of polling the database. A lease released by another replica is still noticed by the
/// waiter's own polling.
/// </summary>
public sealed class WindowLeaseSignal
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);

    /// <summary>Completes when the window's lease is released here, after <paramref name="timeout"/>, or on cancellation (which throws).</summary>
    public async Task WaitAsync(string windowId, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var released = _waiters.GetOrAdd(windowId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await released.Task.WaitAsync(timeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Nobody here released it; forget the entry unless another waiter replaced it, so idle windows leave nothing behind.
            _waiters.TryRemove(KeyValuePair.Create(windowId, released));
        }
    }

    /// <summary>Says that a run of this process released the window's lease.</summary>
    public void Released(string windowId)
    {
        if (_waiters.TryRemove(windowId, out var released))
        {
            released.TrySetResult();
        }
    }
}
