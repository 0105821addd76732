using System.Diagnostics;
using Portage.Core.Providers;
using Portage.Core.Tenancy;
using Portage.Protocol.Runs;

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
    public void Planned(RunScope run, string provider, string model)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (Activity is null)
        {
            return;
        }

        Activity.SetTag("portage.run.id", run.RunId);
        Activity.SetTag("portage.session.id", run.SessionId);
        Activity.SetTag("portage.window.id", run.WindowId);
        Activity.SetTag("portage.end_user.id", run.EndUserId);
        Activity.SetTag("gen_ai.system", provider);
        Activity.SetTag("gen_ai.request.model", model);
    }

    /// <summary>
    /// Ends the run: tags the span with the outcome, records the run's metrics under <paramref name="tags"/> (provider
    /// and model, see <see cref="MetricTags"/>) and closes the span; a run that did not complete (failed, cancelled) marks
    /// the span as an error. Called once, after the commit.
    /// </summary>
    public void End(string status, bool completed, string? finishReason, Usage usage, Exception? failure, KeyValuePair<string, object?>[] tags)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var span = Activity;
        span?.SetTag("gen_ai.usage.input_tokens", usage.InputTokens + usage.CacheReadInputTokens + usage.CacheCreationInputTokens);
        span?.SetTag("gen_ai.usage.output_tokens", usage.OutputTokens);
        span?.SetTag("portage.cost_microcents", usage.CostMicrocents);
        span?.SetTag("portage.run.status", status);
        if (finishReason is not null)
        {
            span?.SetTag("gen_ai.response.finish_reasons", new[] { finishReason });
        }

        if (failure is not null)
        {
            PortageTelemetry.Fail(span, failure);
        }
        else if (!completed)
        {
            span?.SetStatus(ActivityStatusCode.Error, status);
        }

        PortageTelemetry.Runs.Add(1, [.. tags, new("portage.run.status", status)]);
        foreach (var (type, count) in new[] { ("input", usage.InputTokens), ("output", usage.OutputTokens), ("cache_read", usage.CacheReadInputTokens), ("cache_creation", usage.CacheCreationInputTokens) })
        {
            if (count > 0)
            {
                PortageTelemetry.Tokens.Add(count, [.. tags, new("gen_ai.token.type", type)]);
                PortageTelemetry.TokenUsage.Record(count, [.. tags, new("gen_ai.token.type", type)]);
            }
        }

        PortageTelemetry.Cost.Add(usage.CostMicrocents, tags);
        var elapsed = Elapsed;
        var overhead = TimeSpan.FromTicks(Math.Max(0, (elapsed - ProviderTime).Ticks));
        PortageTelemetry.RunDuration.Record(elapsed.TotalSeconds, [.. tags, new("portage.run.status", status)]);
        PortageTelemetry.RouterOverhead.Record(overhead.TotalSeconds, tags);
        span?.SetTag("portage.router.overhead_ms", overhead.TotalMilliseconds);
        Dispose();
    }

    /// <summary>
    /// The metric labels of a run. Metrics name only models the router knows (<see cref="ModelNames.MetricLabel"/>): the
    /// caller picks the model, and every label value is a series kept for the life of the process.
    /// </summary>
    public static KeyValuePair<string, object?>[] MetricTags(ProviderDefinition provider, string model, PriceTable prices)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return [new("gen_ai.system", provider.Name), new("gen_ai.request.model", ModelNames.MetricLabel(provider, model, prices))];
    }

    /// <inheritdoc />
    public void Dispose() => Activity?.Dispose();
}
