using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Portage.Core.Telemetry;
using Portage.Testing;

namespace Portage.Server.Tests.Telemetry;

/// <summary>Issue 6, scope 4: run metrics from the <c>Portage</c> meter, and the Prometheus scrape endpoint.</summary>
public sealed class RunMetricsTests
{
    [Fact]
    public async Task A_run_counts_once_with_its_tokens_and_records_duration_first_token_and_router_overhead()
    {
        // Other tests run in parallel: this one's measurements are told apart by a provider name of its own.
        var measurements = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == PortageTelemetry.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Enqueue((i.Name, v, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Enqueue((i.Name, v, ToDictionary(tags))));
        listener.Start();
        var provider = new ScriptedChatClient();
        provider.Script = (_, _, ct) => ScriptedChatClient.Text(ct, "Hello", " there");
        using var app = new PortageApp([Providers.Scripted(provider, "metered")]);

        var run = await app.RunAsync(Runs.Body("Count me", provider: "metered"));

        Assert.True(run.Finished);
        var mine = measurements.Where(m => (string?)m.Tags.GetValueOrDefault("gen_ai.system") == "metered").ToList();
        var counted = Assert.Single(mine, m => m.Instrument == "portage.runs");
        Assert.Equal(1, counted.Value);
        Assert.Equal("succeeded", counted.Tags["portage.run.status"]);
        Assert.Equal("metered-model", counted.Tags["gen_ai.request.model"]);
        Assert.Contains(mine, m => m.Instrument == "portage.tokens" && (string?)m.Tags["gen_ai.token.type"] == "output" && m.Value > 0);
        Assert.Contains(mine, m => m.Instrument == "portage.tokens" && (string?)m.Tags["gen_ai.token.type"] == "input" && m.Value > 0);
        Assert.Single(mine, m => m.Instrument == "portage.cost");
        var duration = Assert.Single(mine, m => m.Instrument == "portage.run.duration").Value;
        var firstToken = Assert.Single(mine, m => m.Instrument == "portage.time_to_first_token").Value;
        var overhead = Assert.Single(mine, m => m.Instrument == "portage.router.overhead").Value;
        Assert.InRange(firstToken, 0, duration);
        Assert.InRange(overhead, 0, duration);
    }

    [Fact]
    public async Task Metrics_are_scraped_at_slash_metrics_in_Prometheus_text_without_a_key()
    {
        using var app = new PortageApp();
        Assert.True((await app.RunAsync(Runs.Body("Hello"))).Finished);

        using var anonymous = app.CreateClient();
        using var response = await anonymous.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("portage_runs", text, StringComparison.Ordinal);
        Assert.Contains("portage_router_overhead", text, StringComparison.Ordinal);
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>(tags.Length);
        foreach (var tag in tags)
        {
            result[tag.Key] = tag.Value;
        }

        return result;
    }
}
