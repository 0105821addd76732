using System.Threading.Channels;

namespace Portage.Core.Ingest;

/// <summary>Wakes an idle ingest worker when a job is enqueued, so a job does not wait for the next poll.</summary>
public sealed class IngestSignal
{
    // One pending wake-up is enough: a woken worker drains the queue and wakes the next one when it finds a job.
    private readonly Channel<bool> _wakeUps = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Wakes one idle worker.</summary>
    public void Notify() => _wakeUps.Writer.TryWrite(true);

    /// <summary>Waits until <see cref="Notify"/> is called or <paramref name="timeout"/> passes.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var wakeUp = _wakeUps.Reader.WaitToReadAsync(delay.Token).AsTask();
        var timer = Task.Delay(timeout, time, delay.Token);
        await Task.WhenAny(wakeUp, timer);
        await delay.CancelAsync();
        _wakeUps.Reader.TryRead(out _);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
