using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Portage.Core.Signals;
using Portage.Core.Tenancy;

namespace Portage.Server.Sse;

/// <summary>
/// Ends the run streams of a revoked API key, on every replica. The revocation signal (<see cref="RunSignalKind.KeyRevoked"/>,
/// carried between replicas by <see cref="IRunSignals"/>) ends them at once; every <see cref="ServerOptions.KeyRecheckSeconds"/>
/// the keys of the open streams are also looked up in the store, which ends them when a signal was lost (a replica's
/// listening connection was down) or never sent.
/// </summary>
internal sealed partial class StreamKeyWatch(IRunSignals signals, ITenancyStore store, TimeProvider time, IOptions<ServerOptions> options, ILogger<StreamKeyWatch> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<Watch, byte> _open = new();

    /// <summary>Watches the caller's key for as long as the returned watch is not disposed (the stream's lifetime).</summary>
    public Watch Start(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var watch = new Watch(this, caller.AccountId, caller.KeyId);
        _open[watch] = 0;
        return watch;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = signals.Subscribe(signal =>
        {
            if (signal.Kind == RunSignalKind.KeyRevoked)
            {
                RevokeWhere(w => w.KeyId == signal.RunId);
            }
        });

        var interval = TimeSpan.FromSeconds(options.Value.KeyRecheckSeconds);
        try
        {
            if (interval <= TimeSpan.Zero)
            {
                // No re-checks: only the signals end streams, for as long as the subscription lives.
                await Task.Delay(Timeout.InfiniteTimeSpan, time, stoppingToken);
                return;
            }

            using var timer = new PeriodicTimer(interval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RecheckAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRecheckFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    // One query per account with open streams: its active keys; a watched key no longer among them was revoked.
    private async Task RecheckAsync(CancellationToken cancellationToken)
    {
        foreach (var account in _open.Keys.Select(w => w.AccountId).Distinct(StringComparer.Ordinal).ToList())
        {
            var active = (await store.ListApiKeysAsync(account, cancellationToken)).Select(k => k.Id).ToHashSet(StringComparer.Ordinal);
            RevokeWhere(w => w.AccountId == account && !active.Contains(w.KeyId));
        }
    }

    private void RevokeWhere(Func<Watch, bool> revoked)
    {
        foreach (var watch in _open.Keys.Where(revoked))
        {
            watch.Revoke();
        }
    }

    [LoggerMessage(LogLevel.Warning, "Checking the keys of open run streams failed; the next check tries again (revocation signals still end them)")]
    private static partial void LogRecheckFailed(ILogger logger, Exception exception);

    /// <summary>One open stream's key: <see cref="Revoked"/> is cancelled when the key is revoked.</summary>
    internal sealed class Watch : IDisposable
    {
        private readonly StreamKeyWatch _owner;
        private readonly CancellationTokenSource _revoked = new();

        internal Watch(StreamKeyWatch owner, string accountId, string keyId)
        {
            _owner = owner;
            AccountId = accountId;
            KeyId = keyId;
            Revoked = _revoked.Token;
        }

        public string AccountId { get; }

        public string KeyId { get; }

        /// <summary>Cancelled once the key is revoked.</summary>
        public CancellationToken Revoked { get; }

        public bool IsRevoked => Revoked.IsCancellationRequested;

        // On the thread pool: a signal may arrive on a database connection's thread, which must not run the stream.
        // The source is never disposed: it has no timer or handle, and disposing it could race a cancellation in flight.
        internal void Revoke() => _ = _revoked.CancelAsync();

        /// <summary>Stops watching (the stream ended).</summary>
        public void Dispose() => _owner._open.TryRemove(this, out _);
    }
}
