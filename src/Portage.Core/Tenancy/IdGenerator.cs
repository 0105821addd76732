using System.Security.Cryptography;

namespace Portage.Core.Tenancy;

/// <summary>Mints the ids of the engine (<c>sb_…</c>, <c>ds_…</c>, <c>run_…</c>, <c>sess_…</c>). Injected so tests can predict them.</summary>
public interface IIdGenerator
{
    /// <summary>A new id with the given prefix, for example <c>NewId("run")</c> → <c>run_9f3k…</c>.</summary>
    string NewId(string prefix);
}

/// <summary>
/// Ids of 20 lower-case base32 characters, URL-safe: the first 9 are the millisecond the id was minted, the other 11
/// random (55 bits). Ids minted later sort after earlier ones, so new rows land at the end of the stores' indexes, not
/// all over them: with random keys every insert dirtied a page of its own in every index it touched, and a busy SQLite
/// file wrote twice the pages per run (PostgreSQL's B-trees split the same way).
/// </summary>
public sealed class SortableIdGenerator(TimeProvider time) : IIdGenerator
{
    // The digits before the letters: ASCII order, so the time part sorts as the number it encodes.
    private const string Alphabet = "234567abcdefghijklmnopqrstuvwxyz";
    private const int TimeChars = 9;
    private const int Length = 20;

    /// <inheritdoc/>
    public string NewId(string prefix)
    {
        Span<char> chars = stackalloc char[Length];
        var milliseconds = Math.Max(0, time.GetUtcNow().ToUnixTimeMilliseconds());
        for (var i = TimeChars - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(milliseconds & 31)];
            milliseconds >>= 5;
        }

        Span<byte> random = stackalloc byte[Length - TimeChars];
        RandomNumberGenerator.Fill(random);
        for (var i = 0; i < random.Length; i++)
        {
            chars[TimeChars + i] = Alphabet[random[i] & 31];
        }

        return string.Concat(prefix, "_", chars);
    }
}
