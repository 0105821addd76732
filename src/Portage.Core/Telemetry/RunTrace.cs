using System.Diagnostics;
using Portage.Core.Runs;

namespace Portage.Core.Telemetry;

/// <summary>
/// The <c>run</c> span and the run's clock. Started by the planner (so window resolution is its child), ended by the
/// executor after the commit. The span is null when nobody listens; the clock always runs (metrics need it).
/// </summary>
public sealed class RunTrace(Activity? activity, TimeProvider time) : IDisposable
{
    private readonly long _started = time.GetTimestamp();

    /// <summary>The <c>run</c> span, or null when no listener samples it.</summary>
    public Activity? Activity { get; } = activity;

    /// <summary>Time inside provider calls so far (for the router-overhead metric).</summary>
    public TimeSpan ProviderTime { get; set; }

    /// <summary>Time since the run was planned.</summary>
    public TimeSpan Elapsed => time.GetElapsedTime(_started);

    /// <summary>Starts the run span as a child of the current activity (the HTTP request, when instrumented).</summary>
    public static RunTrace Start(string sandboxId, TimeProvider time)
    {
        var activity = PortageTelemetry.Source.StartActivity("run", ActivityKind.Internal);
        activity?.SetTag("gen_ai.operation.name", "invoke_agent");
        activity?.SetTag("portage.sandbox.id", sandboxId);
        return new RunTrace(activity, time);
    }

    /// <summary>Tags the span with what planning decided.</summary>
    public void Planned(PreparedRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (Activity is null)
        {
            return;
        }

        Activity.SetTag("portage.run.id", run.RunId);
        Activity.SetTag("portage.session.id", run.Session.Id);
        Activity.SetTag("portage.window.id", run.Window.Id);
        Activity.SetTag("portage.end_user.id", run.EndUserId);
        Activity.SetTag("gen_ai.system", run.Provider.Name);
        Activity.SetTag("gen_ai.request.model", run.Model);
    }

    /// <inheritdoc />
    public void Dispose() => Activity?.Dispose();
}
