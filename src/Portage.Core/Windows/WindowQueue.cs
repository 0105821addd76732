namespace Portage.Core.Windows;

/// <summary>
/// The runs (and added turns) of this process that want one window line up here, first come first served, before they
/// take the window's lease in the store (rule 8). Without the line, every waiter polled the lease and whoever polled
/// first after a release won: with several clients on one window, an unlucky one waited many times its share. The
/// store's lease still decides between processes (replicas); the line only orders this process's own waiters.
/// </summary>
public sealed class WindowQueue
{
    private readonly Dictionary<string, Line> _lines = new(StringComparer.Ordinal);

    /// <summary>
    /// Waits up to <paramref name="wait"/> for the window's turn in this process; null when the wait ran out. The slot is
    /// held until disposed: the holder releases it once its turn is stored and the store's lease is free again.
    /// </summary>
    public async Task<WindowSlot?> EnterAsync(string windowId, TimeSpan wait, CancellationToken cancellationToken)
    {
        Line line;
        lock (_lines)
        {
            if (!_lines.TryGetValue(windowId, out line!))
            {
                _lines[windowId] = line = new Line();
            }

            line.Users++;
        }

        var entered = false;
        try
        {
            // SemaphoreSlim serves asynchronous waiters in arrival order.
            entered = await line.Turn.WaitAsync(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, cancellationToken);
        }
        finally
        {
            if (!entered)
            {
                Leave(windowId, line, release: false);
            }
        }

        return entered ? new WindowSlot(() => Leave(windowId, line, release: true)) : null;
    }

    private void Leave(string windowId, Line line, bool release)
    {
        if (release)
        {
            line.Turn.Release();
        }

        lock (_lines)
        {
            if (--line.Users == 0)
            {
                _lines.Remove(windowId);
            }
        }
    }

    private sealed class Line
    {
        public SemaphoreSlim Turn { get; } = new(1, 1);

        public int Users { get; set; }
    }
}

/// <summary>A place at the head of a window's line (see <see cref="WindowQueue"/>); disposing it lets the next one in.</summary>
public sealed class WindowSlot(Action leave) : IDisposable
{
    private int _left;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _left, 1) == 0)
        {
            leave();
        }
    }
}
