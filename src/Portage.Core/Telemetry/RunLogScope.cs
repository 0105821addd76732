using Portage.Core.Runs;

namespace Portage.Core.Telemetry;

/// <summary>
/// The logging scope of a run: every log line written while it runs carries these ids (structured, so a JSON or
/// OpenTelemetry log exporter keeps them as fields). Ids only, never message text.
/// </summary>
public static class RunLogScope
{
    /// <summary>The scope's state for <c>ILogger.BeginScope</c>.</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> Of(PreparedRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return
        [
            new("RunId", run.RunId),
            new("SessionId", run.Session.Id),
            new("WindowId", run.Window.Id),
            new("SandboxId", run.Window.SandboxId),
            new("EndUserId", run.EndUserId),
        ];
    }

    /// <summary>The scope of a stored run (a run that is joined or followed rather than started here).</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> Of(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return
        [
            new("RunId", run.Id),
            new("SessionId", run.SessionId),
            new("WindowId", run.WindowId),
            new("SandboxId", run.SandboxId),
            new("EndUserId", run.EndUserId),
        ];
    }
}
