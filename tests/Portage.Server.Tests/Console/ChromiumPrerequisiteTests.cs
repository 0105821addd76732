using System.Diagnostics;
using System.Reflection;
using Portage.Testing.Skipping;

namespace Portage.Server.Tests.Console;

/// <summary>
/// The README's <c>dotnet test</c> on a machine without Chromium: the browser tests are skipped with the reason, not
/// failed; where CI requires Chromium (<c>PORTAGE_TEST_REQUIRE=chromium</c>, as <c>.ci/run</c> sets) they fail. Run
/// through the test runner itself, on this built assembly, with <c>PORTAGE_TEST_CHROMIUM</c> naming a missing file.
/// </summary>
public sealed class ChromiumPrerequisiteTests
{
    private const string Missing = "/nonexistent/portage-test/chromium";

    private static readonly int s_browserTests = typeof(ConsoleBrowserTests).GetMethods()
        .Count(m => m.GetCustomAttribute<FactAttribute>() is not null);

    [Fact]
    public async Task Without_chromium_the_browser_tests_are_skipped_with_the_reason()
    {
        var (exitCode, output) = await RunBrowserTestsAsync(required: null);

        Assert.True(exitCode == 0, output);
        Assert.Contains($"Failed:     0, Passed:     0, Skipped:     {s_browserTests}, Total:     {s_browserTests}", output, StringComparison.Ordinal);
        Assert.Contains($"Chromium not found at {Missing}; apt-get install chromium", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Where_ci_requires_chromium_its_absence_fails_the_browser_tests()
    {
        var (exitCode, output) = await RunBrowserTestsAsync(required: "postgres,chromium");

        Assert.True(exitCode != 0, output);
        Assert.Contains($"Failed:     {s_browserTests}, Passed:     0, Skipped:     0", output, StringComparison.Ordinal);
        Assert.Contains("PORTAGE_TEST_REQUIRE=postgres,chromium requires chromium: not skipped", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_prerequisite_skips_unless_the_require_list_names_it()
    {
        Assert.IsType<SkipException>(Prerequisites.Missing("chromium", "no browser", required: ""));
        Assert.IsType<SkipException>(Prerequisites.Missing("chromium", "no browser", required: "postgres"));
        Assert.IsType<InvalidOperationException>(Prerequisites.Missing("chromium", "no browser", required: " postgres , Chromium "));
        Assert.IsType<InvalidOperationException>(Prerequisites.Missing("postgres", "no server", required: "chromium,postgres"));
    }

    private static async Task<(int ExitCode, string Output)> RunBrowserTestsAsync(string? required)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "test", typeof(ConsoleBrowserTests).Assembly.Location, "--filter", $"FullyQualifiedName~{typeof(ConsoleBrowserTests).FullName}" })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment[ConsoleBrowser.PathVariable] = Missing;
        info.Environment.Remove(Prerequisites.RequireVariable);
        if (required is not null)
        {
            info.Environment[Prerequisites.RequireVariable] = required;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
