using Microsoft.Extensions.Time.Testing;

namespace Portage.Core.Tests.Providers;

/// <summary>
/// A fake clock that says when a timer was started: a test advances it only once the code under test is waiting, so
/// the wait cannot be registered after the clock already moved past it.
/// </summary>
internal sealed class WatchedTime : FakeTimeProvider
{
    private readonly SemaphoreSlim _started = new(0);
    private int _timers;

    public int Timers => _timers;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        Interlocked.Increment(ref _timers);
        _started.Release();
        return timer;
    }

    /// <summary>Completes when the next timer not yet awaited has been started.</summary>
    public Task TimerStarted() => _started.WaitAsync();
}
