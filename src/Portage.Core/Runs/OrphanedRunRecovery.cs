using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portage.Core.Windows;

namespace Portage.Core.Runs;

/// <summary>
/// Rule 10: runs left <c>running</c> by a process that died become <c>interrupted</c>. A router that owns its store
/// (SQLite) knows at start that every running run is an orphan. Replicas sharing a store (PostgreSQL) cannot: each
/// sweeps, at start and then every half lease, the runs whose window lease has expired — their process stopped
/// renewing it. A single node sweeps the same way while it runs: a run whose final commit the database refused for good
/// stopped renewing its lease too, and must not stay <c>running</c> until the next start.
/// </summary>
public sealed partial class OrphanedRunRecovery(
    IRunStore runs, TimeProvider time, IOptions<RunOptions> options, IOptions<WindowLeaseOptions> leases, ILogger<OrphanedRunRecovery> logger)
    : BackgroundService
{
    /// <inheritdoc/>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the first request is served, so a restarted single node never shows a dead run as running.
        await SweepAsync(allRunning: !options.Value.SharedStore, cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, leases.Value.LeaseSeconds / 2));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken);
                await SweepAsync(allRunning: false, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogSweepFailed(logger, ex);
            }
        }
    }

    private async Task SweepAsync(bool allRunning, CancellationToken cancellationToken)
    {
        var count = await runs.InterruptOrphanedRunsAsync(time.GetUtcNow(), allRunning, cancellationToken);
        if (count > 0)
        {
            LogInterrupted(logger, count);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Marked {Count} runs interrupted: the process running them stopped before they finished")]
    private static partial void LogInterrupted(ILogger logger, int count);

    [LoggerMessage(LogLevel.Error, "Sweeping for interrupted runs failed; the next sweep tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
