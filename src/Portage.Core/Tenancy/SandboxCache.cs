using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Portage.Core.Signals;

namespace Portage.Core.Tenancy;

/// <summary>
/// The sandboxes, end users' own limits and whether a sandbox has shared content (<c>Retrieval.SharedContent</c>) that
/// recent requests read, so a run need not read them from the store again (three reads every run made). A change made
/// through this process drops the sandbox's entries at once; one made through another replica when its signal arrives
/// (<see cref="RunSignalKind.SandboxChanged"/>); and every entry is read again after <see cref="Lifetime"/>, which
/// bounds how long a replica that missed a signal keeps a sandbox's old state.
/// </summary>
public sealed partial class SandboxCache : IDisposable
{
    /// <summary>How long a sandbox or an end user's limits read from the store are trusted without reading them again.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    // A bound on memory, not a working-set size: past it the cache starts over.
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry<SandboxRecord>> _sandboxes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string SandboxId, string EndUserId), Entry<string?>> _limits = new();
    private readonly ConcurrentDictionary<string, Entry<bool>> _anyLimits = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry<bool>> _sharedContent = new(StringComparer.Ordinal);
    private readonly IRunSignals _signals;
    private readonly ILogger<SandboxCache> _logger;
    private readonly LazySubscription _changeSignals;
    private long _changes;

    /// <summary>A cache that drops the sandboxes every replica's change signals name.</summary>
    public SandboxCache(IRunSignals signals, ILogger<SandboxCache> logger)
    {
        ArgumentNullException.ThrowIfNull(signals);
        ArgumentNullException.ThrowIfNull(logger);
        _signals = signals;
        _logger = logger;
        _changeSignals = new LazySubscription(signals, signal =>
        {
            if (signal.Kind == RunSignalKind.SandboxChanged)
            {
                Drop(signal.RunId);
            }
        });
    }

    /// <summary>
    /// The sandbox as read within <see cref="Lifetime"/> of <paramref name="now"/>, else as <paramref name="read"/> reads it
    /// from the store (and then kept; a sandbox not found is not, so one made meanwhile is found at once).
    /// </summary>
    public async Task<SandboxRecord?> SandboxAsync(string sandboxId, DateTimeOffset now, Func<Task<SandboxRecord?>> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (FindSandbox(sandboxId, now) is { } known)
        {
            return known;
        }

        var changes = Changes;
        var sandbox = await read();
        if (sandbox is not null)
        {
            RememberSandbox(sandbox, now, changes);
        }

        return sandbox;
    }

    /// <summary>
    /// An end user's own limits as JSON (null: none), as read within <see cref="Lifetime"/> of <paramref name="now"/>, else
    /// from the store: <paramref name="readAny"/> (does any end user of the sandbox have own limits?) first, since most
    /// sandboxes give none and their runs need not look for each user, then <paramref name="read"/>. Both answers are kept.
    /// </summary>
    public async Task<string?> EndUserLimitsAsync(string sandboxId, string endUserId, DateTimeOffset now, Func<Task<bool>> readAny, Func<Task<string?>> read)
    {
        ArgumentNullException.ThrowIfNull(readAny);
        ArgumentNullException.ThrowIfNull(read);
        if (TryFindLimits(sandboxId, endUserId, now, out var known))
        {
            return known;
        }

        if (!TryFindAnyLimits(sandboxId, now, out var any))
        {
            var before = Changes;
            any = await readAny();
            RememberAnyLimits(sandboxId, any, now, before);
        }

        if (!any)
        {
            return null;
        }

        var changes = Changes;
        var limits = await read();
        RememberLimits(sandboxId, endUserId, limits, now, changes);
        return limits;
    }

    /// <summary>
    /// Whether the sandbox has shared content (<c>Retrieval.SharedContent</c>), as read within <see cref="Lifetime"/> of
    /// <paramref name="now"/>, else as <paramref name="read"/> reads it from the store (and then kept).
    /// </summary>
    public async Task<bool> SharedContentAsync(string sandboxId, DateTimeOffset now, Func<Task<bool>> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (TryFindSharedContent(sandboxId, now, out var any))
        {
            return any;
        }

        var changes = Changes;
        any = await read();
        RememberSharedContent(sandboxId, any, now, changes);
        return any;
    }

    /// <summary>
    /// Counts the changes seen so far: read before reading from the store, and passed to <c>Remember…</c>, which keeps
    /// nothing when a change came in between (the row read may predate it).
    /// </summary>
    internal long Changes => Interlocked.Read(ref _changes);

    /// <summary>The sandbox, read within <see cref="Lifetime"/> of <paramref name="now"/>; null otherwise.</summary>
    internal SandboxRecord? FindSandbox(string sandboxId, DateTimeOffset now) =>
        _sandboxes.TryGetValue(sandboxId, out var entry) && now - entry.ReadAt < Lifetime ? entry.Value : null;

    /// <summary>Keeps a sandbox read from the store at <paramref name="now"/>, unless a change arrived since <paramref name="changes"/>.</summary>
    internal void RememberSandbox(SandboxRecord sandbox, DateTimeOffset now, long changes)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        Remember(_sandboxes, sandbox.Id, sandbox, now, changes);
    }

    /// <summary>Whether an end user's own limits (null: none) were read within <see cref="Lifetime"/> of <paramref name="now"/>.</summary>
    internal bool TryFindLimits(string sandboxId, string endUserId, DateTimeOffset now, out string? limitsJson)
    {
        if (_limits.TryGetValue((sandboxId, endUserId), out var entry) && now - entry.ReadAt < Lifetime)
        {
            limitsJson = entry.Value;
            return true;
        }

        limitsJson = null;
        return false;
    }

    /// <summary>Keeps an end user's own limits (null: none) read at <paramref name="now"/>, unless a change arrived since <paramref name="changes"/>.</summary>
    internal void RememberLimits(string sandboxId, string endUserId, string? limitsJson, DateTimeOffset now, long changes) =>
        Remember(_limits, (sandboxId, endUserId), limitsJson, now, changes);

    /// <summary>Whether it is known, within <see cref="Lifetime"/> of <paramref name="now"/>, that any end user of the sandbox has limits of their own.</summary>
    internal bool TryFindAnyLimits(string sandboxId, DateTimeOffset now, out bool any)
    {
        var found = _anyLimits.TryGetValue(sandboxId, out var entry) && now - entry.ReadAt < Lifetime;
        any = found && entry!.Value;
        return found;
    }

    /// <summary>Keeps whether any end user of the sandbox has own limits, read at <paramref name="now"/>, unless a change arrived since <paramref name="changes"/>.</summary>
    internal void RememberAnyLimits(string sandboxId, bool any, DateTimeOffset now, long changes) => Remember(_anyLimits, sandboxId, any, now, changes);

    /// <summary>Whether it is known, within <see cref="Lifetime"/> of <paramref name="now"/>, that the sandbox has shared content.</summary>
    internal bool TryFindSharedContent(string sandboxId, DateTimeOffset now, out bool any)
    {
        var found = _sharedContent.TryGetValue(sandboxId, out var entry) && now - entry.ReadAt < Lifetime;
        any = found && entry!.Value;
        return found;
    }

    /// <summary>Keeps whether the sandbox has shared content, read at <paramref name="now"/>, unless a change arrived since <paramref name="changes"/>.</summary>
    internal void RememberSharedContent(string sandboxId, bool any, DateTimeOffset now, long changes) => Remember(_sharedContent, sandboxId, any, now, changes);

    /// <summary>
    /// Says that a sandbox, the limits of one of its end users, or its shared content changed in the store: its entries
    /// are dropped here at once, and every replica is told. A lost signal is logged, not thrown: the change is stored, and
    /// the other replicas read it again within <see cref="Lifetime"/>.
    /// </summary>
    public async Task ChangedAsync(string sandboxId)
    {
        Drop(sandboxId);
        try
        {
            await _signals.PublishAsync(RunSignal.SandboxChanged(sandboxId), CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogSignalFailed(_logger, ex, sandboxId);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _changeSignals.Dispose();

    private void Drop(string sandboxId)
    {
        Interlocked.Increment(ref _changes);
        _sandboxes.TryRemove(sandboxId, out _);
        _anyLimits.TryRemove(sandboxId, out _);
        _sharedContent.TryRemove(sandboxId, out _);
        foreach (var key in _limits.Keys)
        {
            if (key.SandboxId == sandboxId)
            {
                _limits.TryRemove(key, out _);
            }
        }
    }

    private void Remember<TKey, TValue>(ConcurrentDictionary<TKey, Entry<TValue>> entries, TKey key, TValue value, DateTimeOffset now, long changes)
        where TKey : notnull
    {
        _changeSignals.Start();
        if (entries.Count >= MaxEntries)
        {
            entries.Clear();
        }

        entries[key] = new Entry<TValue>(value, now);
        if (Changes != changes)
        {
            // A change may have dropped this entry while it was being read: forget it rather than trust a stale row.
            entries.TryRemove(key, out _);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Telling the other replicas that sandbox {SandboxId} changed failed; they see the change within 5 seconds")]
    private static partial void LogSignalFailed(ILogger logger, Exception exception, string sandboxId);

    private sealed record Entry<TValue>(TValue Value, DateTimeOffset ReadAt);
}
