namespace Portage.Core.Windows;

/// <summary>
/// A run's hold on its window (rule 8), from acquisition to the run's end: its place in this process's line, then the
/// store's lease, taken by the run's start (<see cref="WindowLeases.TakeWithStart"/>) or alone (<see cref="TakeFromStoreAsync"/>).
/// <see cref="KeepAlive"/> renews the store's
/// lease while the run streams; <see cref="EndedWithCommit"/> records that the run's end released the store's lease in
/// its own transaction. Disposing gives back whatever is still held (the store's lease unless the commit took it, and
/// this process's place in the window's line), exactly once, on every path.
/// </summary>
public sealed class WindowLease : IAsyncDisposable
{
    private readonly WindowLeases _leases;
    private readonly WindowSlot _slot;
    private readonly DateTimeOffset _deadline;
    private CancellationTokenSource? _renewal;
    private Task _renewing = Task.CompletedTask;
    private bool _storeLeaseReleased;
    private int _disposed;

    internal WindowLease(WindowLeases leases, string windowId, string runId, WindowSlot slot, DateTimeOffset deadline)
    {
        _leases = leases;
        _slot = slot;
        _deadline = deadline;
        WindowId = windowId;
        RunId = runId;
    }

    /// <summary>The leased window.</summary>
    public string WindowId { get; }

    /// <summary>The run holding it.</summary>
    public string RunId { get; }

    /// <summary>
    /// Takes the store's lease on its own, waiting for another replica's run until the line's deadline (none for a
    /// window the caller named), then 409 <c>run_in_progress</c>.
    /// </summary>
    public Task TakeFromStoreAsync(CancellationToken cancellationToken) => _leases.TakeStoreLeaseAsync(WindowId, RunId, _deadline, cancellationToken);

    /// <summary>Starts renewing the store's lease in the background until <see cref="StopRenewingAsync"/> or disposal.</summary>
    public void KeepAlive(CancellationToken cancellationToken)
    {
        if (_renewal is not null)
        {
            return;
        }

        _renewal = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _renewing = _leases.RenewUntilCancelledAsync(WindowId, RunId, _renewal.Token);
    }

    /// <summary>Stops the renewals and waits for one in flight, before the run's end is written.</summary>
    public async Task StopRenewingAsync()
    {
        if (_renewal is null)
        {
            return;
        }

        await _renewal.CancelAsync();
        await _renewing;
    }

    /// <summary>The run's end was stored, and its transaction released the store's lease.</summary>
    public void EndedWithCommit() => _storeLeaseReleased = true;

    /// <summary>
    /// Gives back this process's place in the window's line: the next run here may go. Called once the run's end is
    /// stored (before the run's later, slower steps such as queuing memory); disposal does it too.
    /// </summary>
    public void LeaveLine() => _slot.Dispose();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopRenewingAsync();
        _renewal?.Dispose();
        if (!_storeLeaseReleased)
        {
            await _leases.ReleaseQuietlyAsync(WindowId, RunId);
        }

        _slot.Dispose();
    }
}
