using System.Security.Cryptography;

namespace Portage.Core.Tenancy;

/// <summary>Mints the ids of the engine (<c>sb_…</c>, <c>ds_…</c>, <c>run_…</c>, <c>sess_…</c>). Injected so tests can predict them.</summary>
public interface IIdGenerator
{
    /// <summary>A new id with the given prefix, for example <c>NewId("run")</c> → <c>run_9f3k…</c>.</summary>
    string NewId(string prefix);
}

/// <summary>Random ids: 20 characters of lower-case base32 (100 bits), unguessable and URL-safe.</summary>
public sealed class RandomIdGenerator : IIdGenerator
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <inheritdoc/>
    public string NewId(string prefix)
    {
        Span<byte> bytes = stackalloc byte[20];
        RandomNumberGenerator.Fill(bytes);
        Span<char> chars = stackalloc char[20];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[bytes[i] & 31];
        }

        return string.Concat(prefix, "_", chars);
    }
}
