using System.Diagnostics;
using Portage.Core.Providers;
using Portage.Core.Telemetry;
using Portage.Protocol.Runs;

namespace Portage.Core.Runs;

// The executor's spans and metrics, kept apart from the run loop so the loop reads as the rules.
public sealed partial class RunExecutor
{
    // Tags the run span with the outcome and records the run's metrics. Called once, after the commit.
    private void EndTrace(PreparedRun run, string status, string? finishReason, Usage usage, Exception? failure)
    {
        var trace = run.Trace;
        if (trace is null)
        {
            return;
        }

        var span = trace.Activity;
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
        else if (status is RunStatus.Failed or RunStatus.Cancelled)
        {
            span?.SetStatus(ActivityStatusCode.Error, status);
        }

        var tags = Tags(run);
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
        var elapsed = trace.Elapsed;
        PortageTelemetry.RunDuration.Record(elapsed.TotalSeconds, [.. tags, new("portage.run.status", status)]);
        PortageTelemetry.RouterOverhead.Record(Math.Max(0, (elapsed - trace.ProviderTime).TotalSeconds), tags);
        span?.SetTag("portage.router.overhead_ms", Math.Max(0, (elapsed - trace.ProviderTime).TotalMilliseconds));
        trace.Dispose();
    }

    // Only when there is a run span: with nobody listening, the caller's current activity stays as it was.
    private static void SetCurrent(Activity? span)
    {
        if (span is not null)
        {
            Activity.Current = span;
        }
    }

    // Metrics name only models the router knows (ModelNames.MetricLabel): the caller picks the model, and every label
    // value is a series kept for the life of the process.
    private KeyValuePair<string, object?>[] Tags(PreparedRun run) =>
        [new("gen_ai.system", run.Provider.Name), new("gen_ai.request.model", ModelNames.MetricLabel(run.Provider, run.Model, prices.Value))];

}
