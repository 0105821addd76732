using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Portage.Core.Runs;

namespace Portage.Storage.Sql;

/// <summary>
/// A run's frames from one write of the event log, stored as one value: for each frame a header line
/// <c>{seq} {event bytes} {data bytes}\n</c> followed by the event name and the data, all UTF-8. A row per frame cost
/// a statement (SQLite) or a tuple, an index entry and a foreign-key check (PostgreSQL) per frame, about fifty a run;
/// a block costs one per run per batch. The lengths make any text safe in it, newlines included.
/// </summary>
public static class FrameBlock
{
    /// <summary>The frames as one block.</summary>
    public static byte[] Encode(IReadOnlyList<RunEventRecord> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var size = 0;
        foreach (var frame in frames)
        {
            // A header is at most 20 + 1 + 10 + 1 + 10 + 1 characters.
            size += 43 + Encoding.UTF8.GetByteCount(frame.Event) + Encoding.UTF8.GetByteCount(frame.Data);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var at = 0;
            foreach (var frame in frames)
            {
                var eventBytes = Encoding.UTF8.GetByteCount(frame.Event);
                var dataBytes = Encoding.UTF8.GetByteCount(frame.Data);
                at += Header(buffer.AsSpan(at), frame.Seq, eventBytes, dataBytes);
                at += Encoding.UTF8.GetBytes(frame.Event, buffer.AsSpan(at));
                at += Encoding.UTF8.GetBytes(frame.Data, buffer.AsSpan(at));
            }

            return buffer.AsSpan(0, at).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The frames of a block, in the order they were written.</summary>
    /// <exception cref="FormatException">The value is not a block.</exception>
    public static IEnumerable<RunEventRecord> Decode(byte[] block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var at = 0;
        while (at < block.Length)
        {
            var line = Array.IndexOf(block, (byte)'\n', at);
            if (line < 0 || !TryReadHeader(block.AsSpan(at, line - at), out var seq, out var eventBytes, out var dataBytes) ||
                (long)line + 1 + eventBytes + dataBytes > block.Length)
            {
                throw new FormatException($"A stored block of run frames is damaged at byte {at}.");
            }

            var name = Encoding.UTF8.GetString(block, line + 1, eventBytes);
            var data = Encoding.UTF8.GetString(block, line + 1 + eventBytes, dataBytes);
            at = line + 1 + eventBytes + dataBytes;
            yield return new RunEventRecord(seq, name, data);
        }
    }

    private static int Header(Span<byte> into, long seq, int eventBytes, int dataBytes)
    {
        Utf8Formatter.TryFormat(seq, into, out var at);
        into[at++] = (byte)' ';
        Utf8Formatter.TryFormat(eventBytes, into[at..], out var written);
        at += written;
        into[at++] = (byte)' ';
        Utf8Formatter.TryFormat(dataBytes, into[at..], out written);
        at += written;
        into[at++] = (byte)'\n';
        return at;
    }

    private static bool TryReadHeader(ReadOnlySpan<byte> header, out long seq, out int eventBytes, out int dataBytes)
    {
        eventBytes = dataBytes = 0;
        return Utf8Parser.TryParse(header, out seq, out var used) && Next(ref header, used) &&
            Utf8Parser.TryParse(header, out eventBytes, out used) && eventBytes >= 0 && Next(ref header, used) &&
            Utf8Parser.TryParse(header, out dataBytes, out used) && dataBytes >= 0 && used == header.Length;

        static bool Next(ref ReadOnlySpan<byte> rest, int used)
        {
            if (used >= rest.Length || rest[used] != (byte)' ')
            {
                return false;
            }

            rest = rest[(used + 1)..];
            return true;
        }
    }
}
