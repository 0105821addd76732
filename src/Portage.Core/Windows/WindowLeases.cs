using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portage.Core.Errors;
using Portage.Core.Telemetry;

namespace Portage.Core.Windows;

/// <summary>
/// Rule 8, one run at a time per window, in one place. A run first lines up behind this process's runs of the window
/// (<see cref="WindowQueue"/>, arrival order), then the head of the line takes the store's lease, which also holds the
/// window against other replicas. The <see cref="WindowLease"/> it gets renews itself and gives everything back when
/// disposed.
/// </summary>
public sealed partial class WindowLeases(
    IWindowStore windows,
    WindowQueue queue,
    TimeProvider time,
    IOptions<WindowLeaseOptions> options,
    ContentLogging content,
    ILogger<WindowLeases> logger)
{
    private static readonly TimeSpan s_firstPoll = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan s_maxPoll = TimeSpan.FromMilliseconds(500);

    private TimeSpan Duration => TimeSpan.FromSeconds(options.Value.LeaseSeconds);

    /// <summary>
    /// Lines up run <paramref name="runId"/> behind this process's runs of the window, or throws 409
    /// <c>run_in_progress</c>. A window the caller named is not waited for; one the router chose waits up to
    /// <c>Runs:LockWaitSeconds</c>. The store's lease is taken by the run's start: a new window is written leased
    /// (<see cref="NewLeaseExpiry"/>), an existing one's lease goes with the start (<see cref="TakeWithStart"/>),
    /// so a run costs no write of its own for it; a start that finds the window changed takes it alone
    /// (<see cref="WindowLease.TakeFromStoreAsync"/>) and the run reads again.
    /// </summary>
    public async Task<WindowLease> AcquireAsync(WindowRecord window, string runId, bool named, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(named ? 0 : options.Value.LockWaitSeconds);
        var slot = await queue.EnterAsync(window.Id, deadline - time.GetUtcNow(), cancellationToken) ?? throw RunInProgress(window.Id);
        return new WindowLease(this, window.Id, runId, slot, deadline);
    }

    /// <summary>
    /// Lines up for the window in this process without taking the store's lease (turns added by ingest: the store
    /// refuses them while a run of another replica holds the lease). Null when <c>Runs:LockWaitSeconds</c> ran out.
    /// </summary>
    public Task<WindowSlot?> EnterLineAsync(string windowId, DateTimeOffset deadline, CancellationToken cancellationToken) =>
        queue.EnterAsync(windowId, deadline - time.GetUtcNow(), cancellationToken);

    /// <summary>When the lease of a window written by a run's start expires unless renewed.</summary>
    public DateTimeOffset NewLeaseExpiry() => time.GetUtcNow() + Duration;

    /// <summary>
    /// The store's lease, to be taken by a run's start (<see cref="Runs.RunStart.TakeLease"/>) from now, if the window
    /// still has the <paramref name="turnCount"/> turns it had when the run's reads began.
    /// </summary>
    public LeaseTake TakeWithStart(int turnCount)
    {
        var now = time.GetUtcNow();
        return new LeaseTake(now, now + Duration, turnCount);
    }

    /// <summary>The deadline of a wait that starts now and lasts <c>Runs:LockWaitSeconds</c>.</summary>
    public DateTimeOffset WaitDeadline() => time.GetUtcNow() + TimeSpan.FromSeconds(options.Value.LockWaitSeconds);

    private static PortageException RunInProgress(string windowId) => PortageException.Conflict("run_in_progress",
        $"Context window '{windowId}' has a run in progress; one run at a time per window. Wait for its agent_finish and retry, or set new_window: true for a parallel conversation.");

    // A run of this process has released the lease by the time the next one gets here; a run of another replica
    // holding it is waited for by polling, less often the longer the wait.
    internal async Task TakeStoreLeaseAsync(string windowId, string runId, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var poll = s_firstPoll;
        while (true)
        {
            var now = time.GetUtcNow();
            if (await windows.TryAcquireLeaseAsync(windowId, runId, now, now + Duration, cancellationToken))
            {
                return;
            }

            if (now >= deadline)
            {
                throw RunInProgress(windowId);
            }

            await Task.Delay(TimeSpan.FromTicks(Math.Min(poll.Ticks, (deadline - now).Ticks)), time, cancellationToken);
            poll = TimeSpan.FromTicks(Math.Min(poll.Ticks * 2, s_maxPoll.Ticks));
        }
    }

    internal async Task RenewUntilCancelledAsync(string windowId, string runId, CancellationToken cancellationToken)
    {
        // Every run ends by cancelling this loop: its wait ends without an exception (one thrown and caught per run was
        // a visible part of a short run's CPU).
        while (true)
        {
            await Task.Delay(Duration / 3, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            // One failed renewal must not end the renewals: the lease would expire under a live run, and another
            // replica's sweep would mark the run interrupted while it is still streaming.
            try
            {
                await windows.RenewLeaseAsync(windowId, runId, time.GetUtcNow() + Duration, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRenewFailed(logger, content.Redact(ex), runId);
            }
        }
    }

    // Given back on its own only when the run's end did not take it (the commit failed, or the run never got that far);
    // if even this fails, the lease expires and the orphan sweep marks the run interrupted.
    internal async Task ReleaseQuietlyAsync(string windowId, string runId)
    {
        try
        {
            await windows.ReleaseLeaseAsync(windowId, runId, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogReleaseFailed(logger, content.Redact(ex), runId);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Releasing the window lease of run {RunId} failed; it expires on its own")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string runId);

    [LoggerMessage(LogLevel.Warning, "Renewing the window lease of run {RunId} failed; the next renewal tries again")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string runId);
}
