using Portage.Core.Tenancy;

namespace Portage.Core.Telemetry;

/// <summary>
/// The logging scope of a run: every log line written while it runs carries these ids (structured, so a JSON or
/// OpenTelemetry log exporter keeps them as fields). Ids only, never message text.
/// </summary>
public static class RunLogScope
{
    /// <summary>The scope's state for <c>ILogger.BeginScope</c>.</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> Of(RunScope run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return
        [
            new("RunId", run.RunId),
            new("SessionId", run.SessionId),
            new("WindowId", run.WindowId),
            new("SandboxId", run.SandboxId),
            new("EndUserId", run.EndUserId),
        ];
    }
}
