using Xunit.Abstractions;
using Xunit.Sdk;

namespace Portage.Server.Tests;

/// <summary>
/// Seeds of the randomized tests: a fresh seed each time (so every run explores new cases) unless
/// <c>PORTAGE_TEST_SEED</c> names one; the seed is printed to the test output and carried in every failure message, so a
/// failure can be replayed exactly.
/// </summary>
internal static class TestSeed
{
    public const string Variable = "PORTAGE_TEST_SEED";

    /// <summary>Runs a randomized test body with its seeded <see cref="Random"/>.</summary>
    public static async Task RunAsync(ITestOutputHelper output, string test, Func<Random, Task> body)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable(Variable), out var chosen) ? chosen : Random.Shared.Next();
        output.WriteLine($"{test}: seed {seed} (replay with {Variable}={seed})");
        try
        {
            await body(new Random(seed));
        }
        catch (Exception ex)
        {
            throw new XunitException($"[{test}, seed {seed}: replay with {Variable}={seed}] {ex.Message}", ex);
        }
    }
}
