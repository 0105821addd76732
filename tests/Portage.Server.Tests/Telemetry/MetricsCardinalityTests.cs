using System.Net;
using Portage.Testing;

namespace Portage.Server.Tests.Telemetry;

/// <summary>
/// Portage's instruments are static, so every router of the test process records into them, and a router's
/// <c>/metrics</c> shows what the others running at the same time recorded too. The size of the exposition is only
/// this test's while nothing else runs: the collection is not run in parallel with any other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCardinalityCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Process-wide metrics";
}

/// <summary>Unknown model names do not grow <c>/metrics</c>: they are counted under <c>other</c>.</summary>
[Collection(MetricsCardinalityCollection.Name)]
public sealed class MetricsCardinalityTests
{
    [Fact]
    public async Task Hundreds_of_runs_with_distinct_unknown_models_keep_metrics_small_and_200()
    {
        using var app = new PortageApp();
        var prefix = "tenant-model-" + Guid.NewGuid().ToString("n")[..8] + "-";
        _ = app.Credentials; // started once, before the parallel runs
        var names = Enumerable.Range(0, 300).Select(i => prefix + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture) + new string('x', 100)).ToList();

        await Parallel.ForEachAsync(names.Select((model, i) => (model, i)), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (item, _) =>
        {
            var run = await app.RunAsync(Runs.Body("Count me", endUser: $"user-{item.i % 8}", model: item.model));
            Assert.True(run.Finished, run.Terminal.Data);
        });
        Assert.True((await app.RunAsync(Runs.Body("Known model", model: "echo-1"))).Finished);

        using var response = await app.CreateClient().GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(prefix, text, StringComparison.Ordinal);
        Assert.Contains("gen_ai_request_model=\"other\"", text, StringComparison.Ordinal);
        Assert.Contains("gen_ai_request_model=\"echo-1\"", text, StringComparison.Ordinal);
        Assert.True(text.Length < 512 * 1024, $"/metrics is {text.Length} characters");
    }
}
