using System.Security.Cryptography;
using System.Text;

namespace Portage.Core.Tenancy;

/// <summary>Minting and hashing of API keys. Keys are shown once; the store keeps only SHA-256 hashes.</summary>
public static class ApiKeys
{
    /// <summary>Prefix of every Portage key, so leaked keys are easy to grep for.</summary>
    public const string Prefix = "ptg_";

    /// <summary>Characters of the key kept in the clear to recognise it in lists.</summary>
    public const int VisiblePrefixLength = 12;

    /// <summary>A new random key: the prefix plus 32 random bytes in base64url.</summary>
    public static string Mint()
    {
        Span<byte> bytes = stackalloc byte[32];
        RandomNumberGenerator.Fill(bytes);
        return Prefix + Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The visible prefix of a key.</summary>
    public static string VisiblePrefix(string key) => key[..Math.Min(VisiblePrefixLength, key.Length)];
}
