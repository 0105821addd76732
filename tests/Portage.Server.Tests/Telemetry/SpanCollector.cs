using System.Collections.Concurrent;
using System.Diagnostics;
using Portage.Core.Telemetry;

namespace Portage.Server.Tests.Telemetry;

/// <summary>
/// Records every finished <c>Portage</c> span in the process. Tests run in parallel, so a test picks its own spans by
/// the trace of its run's <c>run</c> span.
/// </summary>
internal sealed class SpanCollector : IDisposable
{
    private readonly ConcurrentQueue<Activity> _finished = new();
    private readonly ActivityListener _listener;

    public SpanCollector()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PortageTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _finished.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The run span of <paramref name="runId"/>.</summary>
    public Activity Run(string runId) =>
        _finished.Single(a => a.OperationName == "run" && (string?)a.GetTagItem("portage.run.id") == runId);

    /// <summary>Every span of the run's trace.</summary>
    public List<Activity> TraceOf(string runId)
    {
        var run = Run(runId);
        return [.. _finished.Where(a => a.TraceId == run.TraceId)];
    }

    public void Dispose() => _listener.Dispose();
}
