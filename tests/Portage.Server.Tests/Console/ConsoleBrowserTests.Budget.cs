using System.Net.Http.Json;
using Microsoft.Playwright;

namespace Portage.Server.Tests.Console;

public sealed partial class ConsoleBrowserTests
{
    [Fact]
    public async Task Usage_shows_the_sandbox_budget_and_what_it_spent()
    {
        await using var router = await ConsoleRouter.StartAsync(
            "Pricing:Providers:echo:echo-1:InputPerMillion=1000", "Pricing:Providers:echo:echo-1:OutputPerMillion=1000");
        var page = await browser.OpenAsync(router.Url, width: 360, height: 740);
        await page.ClickAsync("nav button[data-view=usage]");
        await Assertions.Expect(page.Locator("#usage-budget")).ToContainTextAsync("No budget (unmetered)");

        using (var patch = await router.Api.PatchAsJsonAsync($"/api/v1/storage/sandboxes/{router.Credentials.SandboxId}",
            new { limits = new { budget_microcents = 5_000_000, budget_period = "day" } }))
        {
            patch.EnsureSuccessStatusCode();
        }

        Assert.True((await router.RunAsync("hello", "u-budget")).Finished);
        await page.ClickAsync("#usage-form button[type=submit]");

        await Assertions.Expect(page.Locator("#usage-budget")).ToContainTextAsync("Budget $5.0000 per day (UTC):");
        await Assertions.Expect(page.Locator("#usage-budget")).ToContainTextAsync("left (gate enforce); resets");
        Assert.DoesNotContain("$0.000000 spent", await page.Locator("#usage-budget").TextContentAsync(), StringComparison.Ordinal);
    }
}
