namespace Portage.Core.Windows;

/// <summary>Rule 8's timings, bound from the <c>Runs</c> configuration section (where operators have always set them).</summary>
public sealed class WindowLeaseOptions
{
    /// <summary>Rule 8: how long a run that found its window by rule 3(d) waits for a running one (seconds).</summary>
    public double LockWaitSeconds { get; set; } = 10;

    /// <summary>How long a window lease lasts without renewal; a crashed run's lease expires after this (seconds).</summary>
    public double LeaseSeconds { get; set; } = 60;
}
