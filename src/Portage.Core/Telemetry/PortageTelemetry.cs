using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Portage.Core.Telemetry;

/// <summary>
/// The router's traces and metrics, both named <c>Portage</c>. Plain <see cref="System.Diagnostics"/> types: the
/// engine needs no OpenTelemetry package; a host (the server) subscribes with its SDK and exports.
/// Attribute names follow the OpenTelemetry GenAI semantic conventions (<c>gen_ai.*</c>); Portage's own are <c>portage.*</c>.
/// </summary>
public static class PortageTelemetry
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "Portage";

    /// <summary>Spans: <c>run</c> and its children.</summary>
    public static ActivitySource Source { get; } = new(Name);

    /// <summary>Instruments: see the <c>Observability</c> section of the README.</summary>
    public static Meter Meter { get; } = new(Name);

    /// <summary>Runs that ended, by provider, model and status.</summary>
    public static Counter<long> Runs { get; } = Meter.CreateCounter<long>("portage.runs", "{run}", "Runs that ended, by provider, model and status.");

    /// <summary>Tokens, by provider, model and type (input, output, cache_read, cache_creation).</summary>
    public static Counter<long> Tokens { get; } = Meter.CreateCounter<long>("portage.tokens", "{token}", "Tokens used by runs, by type.");

    /// <summary>Tokens per run (the GenAI semantic-convention histogram).</summary>
    public static Histogram<long> TokenUsage { get; } = Meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}", "Tokens used per run, by type.");

    /// <summary>Cost in USD·1e-6.</summary>
    public static Counter<long> Cost { get; } = Meter.CreateCounter<long>("portage.cost", "{microcent}", "Cost of runs in USD·1e-6 (microcents).");

    /// <summary>Failures: provider errors (retried or not), tool errors, runs refused before streaming.</summary>
    public static Counter<long> Errors { get; } = Meter.CreateCounter<long>("portage.errors", "{error}", "Errors, by error.type.");

    /// <summary>Run duration, from the request being planned to the turn being committed.</summary>
    public static Histogram<double> RunDuration { get; } = Meter.CreateHistogram<double>("portage.run.duration", "s", "Run duration, planning to commit.");

    /// <summary>Time from the run's start to the first provider update with content.</summary>
    public static Histogram<double> TimeToFirstToken { get; } = Meter.CreateHistogram<double>("portage.time_to_first_token", "s", "Time from the run's start to the first content from the provider.");

    /// <summary>The router's own share of a run: its duration minus the time spent inside provider calls.</summary>
    public static Histogram<double> RouterOverhead { get; } = Meter.CreateHistogram<double>("portage.router.overhead", "s", "Run duration minus time inside provider calls.");

    /// <summary>
    /// Marks a span failed with what the failure was, never its message: a provider's message can quote the prompt
    /// (<see cref="RedactedException.Describe"/>). The message reaches the client in <c>agent_error</c> and the run's
    /// stored <c>error</c>.
    /// </summary>
    public static void Fail(Activity? activity, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, RedactedException.Describe(exception));
        activity.SetTag("error.type", exception is Errors.PortageException p ? p.ErrorType : exception.GetType().FullName);
    }
}
