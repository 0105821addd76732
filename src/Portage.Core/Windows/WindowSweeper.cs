using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portage.Core.Telemetry;

namespace Portage.Core.Windows;

/// <summary>Rule 9: archives windows that have been inactive for <see cref="WindowOptions.InactivitySeconds"/>.</summary>
public sealed partial class WindowSweeper(IWindowStore windows, TimeProvider time, IOptions<WindowOptions> options, ContentLogging content, ILogger<WindowSweeper> logger)
    : BackgroundService
{
    /// <summary>Archives the inactive windows of one sandbox (or all); returns how many.</summary>
    public Task<int> SweepAsync(string? sandboxId, long inactivitySeconds, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // An inactivity reaching back before the first representable instant archives nothing (and must not overflow).
        var cutoff = inactivitySeconds >= (now - DateTimeOffset.MinValue).TotalSeconds ? DateTimeOffset.MinValue : now - TimeSpan.FromSeconds(inactivitySeconds);
        return windows.ArchiveInactiveWindowsAsync(sandboxId, cutoff, now, cancellationToken);
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.SweepIntervalSeconds <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var archived = await SweepAsync(null, options.Value.InactivitySeconds, stoppingToken);
                    if (archived > 0)
                    {
                        LogArchived(logger, archived);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSweepFailed(logger, content.Redact(ex));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(LogLevel.Information, "Archived {Count} inactive context windows")]
    private static partial void LogArchived(ILogger logger, int count);

    [LoggerMessage(LogLevel.Warning, "Sweeping inactive context windows failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
