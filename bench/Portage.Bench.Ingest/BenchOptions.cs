using System.Globalization;

namespace Portage.Bench.Ingest;

/// <summary>Command line of the benchmark.</summary>
internal sealed record BenchOptions(int Rounds, int Concurrency, string Corpus)
{
    public static BenchOptions Parse(string[] args)
    {
        var rounds = 20;
        var concurrency = 2;
        string? corpus = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--rounds":
                    rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--concurrency":
                    concurrency = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--corpus":
                    corpus = Path.GetFullPath(args[i + 1]);
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]}; use --rounds N, --concurrency N, --corpus PATH");
            }
        }

        return new BenchOptions(Math.Max(1, rounds), Math.Max(1, concurrency), corpus ?? FindCorpus());
    }

    // tests/fixtures/corpus of the repository this runs from.
    private static string FindCorpus()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "fixtures", "corpus");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException("tests/fixtures/corpus not found; run from the repository or pass --corpus PATH");
    }
}
