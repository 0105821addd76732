using Portage.Testing;

namespace Portage.Server.Tests.Retrieval;

/// <summary>
/// Issue 4, scope 11: the fixture corpus (<c>tests/fixtures/corpus</c>, a fictional orchard service) ingested through
/// the API, and a table of questions with the file whose chunk must rank in discover's top 3.
/// </summary>
public sealed class CorpusHitRateTests(CorpusHitRateTests.Corpus corpus) : IClassFixture<CorpusHitRateTests.Corpus>
{
    /// <summary>Question → the file that answers it.</summary>
    public static TheoryData<string, string> Table => new()
    {
        { "What happens when I exceed the API request limit?", "api/rate-limits.md" },
        { "How do I verify a webhook signature?", "api/webhooks.md" },
        { "How are failed webhook deliveries retried?", "api/webhooks.md" },
        { "How do I create an API token?", "api/authentication.md" },
        { "How do I page through sensor readings over the API?", "api/readings.md" },
        { "At what temperature does blossom die from frost?", "docs/frost-alerts.md" },
        { "How often do emergency frost alerts repeat?", "docs/frost-alerts.md" },
        { "When does automatic irrigation open the valves?", "docs/irrigation.md" },
        { "How many zones can one valve controller drive?", "docs/irrigation.md" },
        { "How long do soil probe batteries last?", "docs/sensor-pairing.md" },
        { "How high should the field gateway be mounted?", "docs/gateway-setup.md" },
        { "How are picking dates predicted?", "docs/harvest-forecast.md" },
        { "How often should I replace the pheromone lure in a camera trap?", "docs/pest-camera.md" },
        { "Which weather stations can be linked?", "docs/weather-stations.md" },
        { "How much does the Grower plan cost per month?", "guides/billing.md" },
        { "Can I get a refund on an annual subscription?", "guides/refunds.md" },
        { "How do I set up SAML single sign-on?", "guides/single-sign-on.md" },
        { "When do gateways install firmware updates?", "guides/firmware-updates.md" },
        { "How do I export readings to Parquet?", "guides/data-export.md" },
        { "Does the mobile app work offline in the field?", "guides/mobile-offline.md" },
        { "Can a contractor see only one orchard?", "guides/roles-and-permissions.md" },
        { "The gateway ring light is red, what is wrong?", "guides/troubleshooting.md" },
        { "What is a biofix?", "notes/glossary.txt" },
        { "Python client that creates an irrigation schedule", "code/orchardly_client.py" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public async Task The_answering_file_ranks_in_the_top_three(string question, string file)
    {
        var discover = await corpus.App.QueryAsync("discover", new { query = question });

        var top3 = discover.GetProperty("items").EnumerateArray().Take(3)
            .SelectMany(i => i.GetProperty("file_paths").EnumerateArray().Select(p => p.GetString()!)).ToList();
        Assert.True(top3.Contains(file), $"'{question}': expected {file} in the top 3, got [{string.Join(", ", top3)}]");
    }

    /// <summary>The router with the whole corpus ingested once for the class.</summary>
    public sealed class Corpus : IAsyncLifetime, IDisposable
    {
        public PortageApp App { get; } = new();

        public static string Root
        {
            get
            {
                var folder = new DirectoryInfo(AppContext.BaseDirectory);
                while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Portage.slnx")))
                {
                    folder = folder.Parent;
                }

                return Path.Combine(folder?.FullName ?? throw new DirectoryNotFoundException("Portage.slnx not found above the test binaries."), "tests", "fixtures", "corpus");
            }
        }

        public async Task InitializeAsync()
        {
            var files = Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith("README.md", StringComparison.Ordinal))
                .Select(f => (Path.GetRelativePath(Root, f).Replace('\\', '/'), File.ReadAllText(f)));
            await App.IngestAsync(files);
        }

        public Task DisposeAsync() => Task.CompletedTask;

        public void Dispose() => App.Dispose();
    }
}
