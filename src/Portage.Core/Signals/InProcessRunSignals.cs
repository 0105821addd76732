namespace Portage.Core.Signals;

/// <summary>Signals within one process: enough when one router owns the store (SQLite).</summary>
public sealed class InProcessRunSignals : IRunSignals
{
    private readonly SignalHandlers _handlers = new();

    /// <inheritdoc/>
    public Task PublishAsync(RunSignal signal, CancellationToken cancellationToken) => PublishAsync([signal], cancellationToken);

    /// <inheritdoc/>
    public Task PublishAsync(IReadOnlyList<RunSignal> signals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signals);
        foreach (var signal in signals)
        {
            _handlers.Deliver(signal);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public IDisposable Subscribe(Action<RunSignal> handler) => _handlers.Add(handler);
}
