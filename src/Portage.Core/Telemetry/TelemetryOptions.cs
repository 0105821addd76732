namespace Portage.Core.Telemetry;

/// <summary>The engine's side of the <c>Telemetry</c> configuration section (the server reads its export settings itself).</summary>
public sealed class TelemetryOptions
{
    /// <summary>
    /// Logs what users wrote: each run's user messages (at Debug) and the messages of logged failures, which can quote
    /// them. Off by default; for debugging on one's own data only.
    /// </summary>
    public bool LogContent { get; set; }
}
