namespace Portage.Core.Signals;

/// <summary>
/// A subscription to <see cref="IRunSignals"/> made on its first <see cref="Start"/>, not at construction: on PostgreSQL
/// subscribing starts listening, which must not happen before the start-up checks have found the database reachable
/// (they report an unreachable one in two lines). The caches subscribe when they keep their first entry.
/// </summary>
internal sealed class LazySubscription(IRunSignals signals, Action<RunSignal> handler) : IDisposable
{
    private readonly Lock _subscribing = new();
    private IDisposable? _subscription;

    /// <summary>Subscribes, unless already subscribed.</summary>
    public void Start()
    {
        if (Volatile.Read(ref _subscription) is not null)
        {
            return;
        }

        lock (_subscribing)
        {
            _subscription ??= signals.Subscribe(handler);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_subscribing)
        {
            _subscription?.Dispose();
        }
    }
}
