using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Portage.Core.Runs;

/// <summary>Rule 10 on a single node: at start, runs left <c>running</c> by a crash become <c>interrupted</c>.</summary>
public sealed partial class OrphanedRunRecovery(IRunStore runs, TimeProvider time, ILogger<OrphanedRunRecovery> logger) : IHostedService
{
    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var count = await runs.InterruptOrphanedRunsAsync(time.GetUtcNow(), cancellationToken);
        if (count > 0)
        {
            LogInterrupted(logger, count);
        }
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Warning, "Marked {Count} runs interrupted: the previous process stopped while they were running")]
    private static partial void LogInterrupted(ILogger logger, int count);
}
