using System.Text;

namespace Portage.Client.Tests.Fakes;

/// <summary>A read-only stream over fixed bytes that records whether it was disposed.</summary>
internal sealed class TrackingStream(byte[] bytes) : MemoryStream(bytes, writable: false)
{
    public TrackingStream(string text)
        : this(Encoding.UTF8.GetBytes(text))
    {
    }

    public bool Disposed { get; private set; }

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}

/// <summary>
/// Serves <c>prefix</c>, then blocks the next read like an idle server: until the read's token is cancelled
/// (when <c>honorToken</c>) or until the stream is disposed.
/// </summary>
internal sealed class HangingStream(string prefix, bool honorToken) : Stream
{
    private readonly MemoryStream _prefix = new(Encoding.UTF8.GetBytes(prefix));
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Disposed => _disposed.Task.IsCompleted;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = _prefix.Read(buffer.Span);
        if (read > 0)
        {
            return read;
        }

        if (honorToken)
        {
            await _disposed.Task.WaitAsync(cancellationToken);
        }
        else
        {
            await _disposed.Task;
        }

        throw new ObjectDisposedException(nameof(HangingStream));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        _disposed.TrySetResult();
        base.Dispose(disposing);
    }
}
