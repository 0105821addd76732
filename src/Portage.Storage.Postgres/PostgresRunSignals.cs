using Microsoft.Extensions.Logging;
using Npgsql;
using Portage.Core.Signals;
using Portage.Storage.Sql;

namespace Portage.Storage.Postgres;

/// <summary>
/// Run signals between the replicas on one PostgreSQL database, by <c>LISTEN</c>/<c>NOTIFY</c>: a publisher delivers
/// to its own subscribers at once and notifies the channel; every process keeps one connection listening and hands
/// other processes' signals to its subscribers. While that connection is being re-established signals are missed;
/// followers poll, so that costs latency, and a cancel request is then lost (POST …/cancel answers 202 and can be sent again).
/// </summary>
public sealed partial class PostgresRunSignals : IRunSignals, IAsyncDisposable, IDisposable
{
    /// <summary>The notification channel.</summary>
    public const string Channel = "portage_runs";

    private readonly PostgresDatabase _database;
    private readonly ILogger<PostgresRunSignals> _logger;
    private readonly SignalHandlers _handlers = new();
    private readonly string _node = Guid.NewGuid().ToString("n");
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Task? _listening;
    private int _disposed;

    /// <summary>Signals over the database's connections.</summary>
    public PostgresRunSignals(PostgresDatabase database, ILogger<PostgresRunSignals> logger)
    {
        _database = database;
        _logger = logger;
    }

    /// <inheritdoc/>
    public Task PublishAsync(RunSignal signal, CancellationToken cancellationToken) => PublishAsync([signal], cancellationToken);

    /// <inheritdoc/>
    public async Task PublishAsync(IReadOnlyList<RunSignal> signals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signals);
        if (signals.Count == 0)
        {
            return;
        }

        foreach (var signal in signals)
        {
            _handlers.Deliver(signal);
        }

        // One statement, one transaction: a notification is queued per signal and delivered in order at the commit.
        await using var connection = await _database.OpenAsync(cancellationToken);
        await SqlCommands.ExecuteAsync(connection, null, "SELECT pg_notify(@channel, payload) FROM unnest(@payloads) AS payload", cancellationToken,
            ("@channel", Channel), ("@payloads", signals.Select(signal => $"{_node}|{Code(signal.Kind)}|{signal.RunId}").ToArray()));
    }

    /// <inheritdoc/>
    public IDisposable Subscribe(Action<RunSignal> handler)
    {
        var subscription = _handlers.Add(handler);
        lock (_gate)
        {
            _listening ??= Task.Run(ListenAsync);
        }

        return subscription;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        // The container may dispose this twice: it is registered as itself and as IRunSignals.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_listening is not null)
        {
            await _listening;
        }

        _stopping.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task ListenAsync()
    {
        var token = _stopping.Token;
        var retry = TimeSpan.FromMilliseconds(250);
        while (!token.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _database.OpenAsync(token);
                connection.Notification += OnNotification;
                await SqlCommands.ExecuteAsync(connection, null, $"LISTEN {Channel}", token);
                retry = TimeSpan.FromMilliseconds(250);
                try
                {
                    while (true)
                    {
                        await connection.WaitAsync(token);
                    }
                }
                finally
                {
                    await UnlistenQuietlyAsync(connection);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogListenFailed(_logger, ex, retry.TotalMilliseconds);
                try
                {
                    await Task.Delay(retry, token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                retry = TimeSpan.FromMilliseconds(Math.Min(retry.TotalMilliseconds * 2, 5000));
            }
        }
    }

    // Pooled connections are not reset when given back (PostgresDatabase's defaults): a connection that stayed subscribed
    // would take this channel's notifications into whatever borrows it next.
    private static async Task UnlistenQuietlyAsync(NpgsqlConnection connection)
    {
        if (connection.FullState != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            await SqlCommands.ExecuteAsync(connection, null, "UNLISTEN *", CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // A connection that cannot take the statement is broken, and the pool drops it.
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        var parts = e.Payload.Split('|', 3);
        if (parts.Length != 3 || parts[0] == _node)
        {
            // Malformed, or our own: delivered locally when it was published.
            return;
        }

        var kind = parts[1] switch
        {
            "c" => RunSignalKind.Cancel,
            "k" => RunSignalKind.KeyRevoked,
            "s" => RunSignalKind.SandboxChanged,
            _ => RunSignalKind.Events,
        };
        _handlers.Deliver(new RunSignal(kind, parts[2]));
    }

    // One letter per kind keeps the payload far below NOTIFY's 8,000-byte limit.
    private static char Code(RunSignalKind kind) => kind switch
    {
        RunSignalKind.Cancel => 'c',
        RunSignalKind.KeyRevoked => 'k',
        RunSignalKind.SandboxChanged => 's',
        _ => 'e',
    };

    [LoggerMessage(LogLevel.Warning, "Listening for run signals on PostgreSQL failed; retrying in {DelayMs} ms (followers poll meanwhile)")]
    private static partial void LogListenFailed(ILogger logger, Exception exception, double delayMs);
}
