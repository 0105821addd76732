using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portage.Core.Runs;

namespace Portage.Core.Streams;

/// <summary>
/// Deletes the frames of runs that ended more than <see cref="RunOptions.EventRetentionHours"/> ago, hourly: a run's
/// log is there to resume a dropped stream, not to archive every delta forever (the window keeps the turns).
/// </summary>
public sealed partial class RunEventRetention(IRunStore runs, TimeProvider time, IOptions<RunOptions> options, ILogger<RunEventRetention> logger)
    : BackgroundService
{
    private Task<long> PruneAsync(CancellationToken cancellationToken) =>
        runs.DeleteRunEventsAsync(time.GetUtcNow() - TimeSpan.FromHours(options.Value.EventRetentionHours), cancellationToken);

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.EventRetentionHours <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        try
        {
            do
            {
                try
                {
                    var deleted = await PruneAsync(stoppingToken);
                    if (deleted > 0)
                    {
                        LogPruned(logger, deleted);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogPruneFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(LogLevel.Information, "Deleted {Count} stored frames of runs past their retention")]
    private static partial void LogPruned(ILogger logger, long count);

    [LoggerMessage(LogLevel.Warning, "Deleting old run frames failed; the next hour tries again")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
