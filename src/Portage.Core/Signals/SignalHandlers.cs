namespace Portage.Core.Signals;

/// <summary>The local subscribers of an <see cref="IRunSignals"/>; a failing handler does not stop the others.</summary>
public sealed class SignalHandlers
{
    private readonly Lock _gate = new();
    private Action<RunSignal>[] _handlers = [];

    /// <summary>Adds a handler; disposing the result removes it.</summary>
    public IDisposable Add(Action<RunSignal> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _handlers = [.. _handlers, handler];
        }

        return new Subscription(this, handler);
    }

    /// <summary>Calls every handler with the signal.</summary>
    public void Deliver(RunSignal signal)
    {
        foreach (var handler in Volatile.Read(ref _handlers))
        {
            try
            {
                handler(signal);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A subscriber's bug must not keep the signal from the others; each handler logs its own failures.
            }
        }
    }

    private void Remove(Action<RunSignal> handler)
    {
        lock (_gate)
        {
            _handlers = [.. _handlers.Where(h => h != handler)];
        }
    }

    private sealed class Subscription(SignalHandlers owner, Action<RunSignal> handler) : IDisposable
    {
        public void Dispose() => owner.Remove(handler);
    }
}
