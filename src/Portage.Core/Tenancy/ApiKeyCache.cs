using System.Collections.Concurrent;
using Portage.Core.Signals;

namespace Portage.Core.Tenancy;

/// <summary>
/// The API keys of recent requests, so a request need not read its key from the store. Keys are only ever created and
/// revoked, never changed: a key revoked through this process is dropped at once, one revoked through another replica
/// when its revocation signal arrives (<see cref="RunSignalKind.KeyRevoked"/>), and every entry is read again after
/// <see cref="Lifetime"/>, which bounds how long a replica that missed a signal keeps accepting a revoked key.
/// </summary>
public sealed class ApiKeyCache : IDisposable
{
    /// <summary>How long a key read from the store is trusted without reading it again.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    // A bound on memory, not a working-set size: past it the cache starts over.
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _byHash = new(StringComparer.Ordinal);
    private readonly LazySubscription _revocationSignals;
    private long _revocations;

    /// <summary>A cache that drops the keys every replica's revocation signals name.</summary>
    public ApiKeyCache(IRunSignals signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        _revocationSignals = new LazySubscription(signals, signal =>
        {
            if (signal.Kind == RunSignalKind.KeyRevoked)
            {
                Drop(signal.RunId);
            }
        });
    }

    /// <summary>
    /// Counts the revocations seen so far: read it before looking a key up in the store, and pass it to
    /// <see cref="Remember"/>, which keeps nothing when a revocation came in between (the record read may predate it).
    /// </summary>
    public long Revocations => Interlocked.Read(ref _revocations);

    /// <summary>The key with this hash, read within <see cref="Lifetime"/> of <paramref name="now"/>; null otherwise.</summary>
    public ApiKeyRecord? Find(string keyHash, DateTimeOffset now) =>
        _byHash.TryGetValue(keyHash, out var entry) && now - entry.ReadAt < Lifetime ? entry.Key : null;

    /// <summary>Keeps a key read from the store at <paramref name="now"/>, unless a revocation arrived since <paramref name="revocations"/>.</summary>
    public void Remember(string keyHash, ApiKeyRecord key, DateTimeOffset now, long revocations)
    {
        ArgumentNullException.ThrowIfNull(key);
        _revocationSignals.Start();
        if (_byHash.Count >= MaxEntries)
        {
            _byHash.Clear();
        }

        _byHash[keyHash] = new Entry(key, now);
        if (Revocations != revocations)
        {
            // A revocation may have dropped this key while it was being read: forget it rather than trust a stale row.
            _byHash.TryRemove(keyHash, out _);
        }
    }

    /// <summary>Notes a use of the key recorded in the store, so the next request does not record it again.</summary>
    public void Touched(string keyHash, DateTimeOffset at)
    {
        if (_byHash.TryGetValue(keyHash, out var entry))
        {
            _byHash.TryUpdate(keyHash, entry with { Key = entry.Key with { LastUsedAt = at } }, entry);
        }
    }

    /// <summary>Forgets a revoked key.</summary>
    public void Drop(string keyId)
    {
        Interlocked.Increment(ref _revocations);
        foreach (var (hash, entry) in _byHash)
        {
            if (entry.Key.Id == keyId)
            {
                _byHash.TryRemove(hash, out _);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _revocationSignals.Dispose();

    private sealed record Entry(ApiKeyRecord Key, DateTimeOffset ReadAt);
}
