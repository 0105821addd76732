namespace Portage.Client;

/// <summary>
/// A read-only view of a response stream that ends with one extra blank line. The BCL <c>SseParser</c> follows the
/// WHATWG rule and discards a last frame that lacks its blank line; the Copass clients flush it (copass-compat §11.1).
/// </summary>
internal sealed class EofFlushingStream(Stream inner) : Stream
{
    private static readonly byte[] s_terminator = "\n\n"u8.ToArray();

    private int _terminatorPosition = -1;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_terminatorPosition < 0)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            if (read > 0)
            {
                return read;
            }

            _terminatorPosition = 0;
        }

        return Terminator(buffer.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_terminatorPosition < 0)
        {
            var read = inner.Read(buffer);
            if (read > 0)
            {
                return read;
            }

            _terminatorPosition = 0;
        }

        return Terminator(buffer);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Terminator(Span<byte> buffer)
    {
        var remaining = s_terminator.AsSpan(_terminatorPosition);
        var count = Math.Min(remaining.Length, buffer.Length);
        remaining[..count].CopyTo(buffer);
        _terminatorPosition += count;
        return count;
    }
}
