namespace Portage.Core.Windows;

/// <summary>Settings of context windows, bound from the <c>Windows</c> configuration section.</summary>
public sealed class WindowOptions
{
    /// <summary>Rule 9: a window inactive this long is archived by the sweeper (seconds; default one day).</summary>
    public long InactivitySeconds { get; set; } = 86_400;

    /// <summary>How often the background sweeper runs (seconds); 0 turns it off.</summary>
    public double SweepIntervalSeconds { get; set; } = 300;
}
