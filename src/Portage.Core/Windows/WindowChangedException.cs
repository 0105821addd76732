namespace Portage.Core.Windows;

/// <summary>
/// A run's start that was to take its window's lease (<see cref="LeaseTake"/>) found the window leased or changed since
/// the run read it: another run (of another replica, or one this process let through) or a turn added from outside
/// got there first. Nothing was written; the run waits for the lease and reads again.
/// </summary>
public sealed class WindowChangedException(string windowId)
    : Exception($"Context window '{windowId}' was leased or changed between the run's reads and its start.")
{
    /// <summary>The window.</summary>
    public string WindowId { get; } = windowId;
}
