using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Portage.Testing.Fakes;
using Xunit.Abstractions;

namespace Portage.Server.Tests.Console;

/// <summary>
/// The console in a real browser (Debian's Chromium, headless): the seed story by keyboard alone with the window's
/// delivery ledger, the runs list page by page, usage over a chosen range at phone width, and the accessibility
/// checks (names, focus, contrast) in every view.
/// </summary>
public sealed partial class ConsoleBrowserTests(ConsoleBrowser browser, ITestOutputHelper output) : IClassFixture<ConsoleBrowser>
{
    private const string FrostNotes =
        "# Frost alerts\n\nFrost alerts fire when a field sensor reads below -2 °C for ten minutes.\n\n" +
        "## Who is told\n\nThe farm manager gets a text message about the frost, and the gateway sounds its buzzer.";

    [Fact]
    public async Task The_seed_story_runs_in_the_console_by_keyboard_alone()
    {
        await using var router = await ConsoleRouter.StartAsync();
        await router.IngestAsync(("notes/frost.md", FrostNotes));
        var page = await browser.OpenAsync(router.Url);

        // A figure for the record (printed, never asserted): the first load as the browser timed it.
        var firstLoad = await page.EvaluateAsync<double>("() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime; }");
        output.WriteLine($"console first load: {firstLoad:0.0} ms (navigation start to load event)");

        // Signed in by the development bootstrap (loopback, Development): no key typed. Everything below is keys only.
        await A11y.TabToAsync(page, "#end-user");
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("story");
        await A11y.TabToAsync(page, "#message");

        await SendByKeyboardAsync(page, "My name is Ada.", turns: 2);
        var window = await page.Locator("#window-id").TextContentAsync();
        Assert.StartsWith("ds_", window, StringComparison.Ordinal);
        await SendByKeyboardAsync(page, "What is my name?", turns: 4);

        // Another provider, chosen by keyboard (type-ahead on the list), continues the same window.
        await A11y.TabToAsync(page, "#provider", backwards: true);
        await page.Keyboard.PressAsync("m");
        Assert.Equal("mirror", await page.Locator("#provider").InputValueAsync());
        await A11y.TabToAsync(page, "#message");
        await SendByKeyboardAsync(page, "/search When do frost alerts fire?", turns: 6);

        Assert.Equal(window, await page.Locator("#window-id").TextContentAsync());
        await Assertions.Expect(page.Locator("#turns li[data-role=assistant]").Last).ToContainTextAsync("mirror");
        await Assertions.Expect(page.Locator("#window-sessions")).ToContainTextAsync("(mirror)");

        // The new mirror session was prefetched a discover menu, then its search read the content: both in the ledger.
        await Assertions.Expect(page.Locator("#ledger-content li").First).ToContainTextAsync("notes/frost.md");
        await Assertions.Expect(page.Locator("#ledger-menu li").First).ToContainTextAsync("frost.md › Frost alerts");
        await Assertions.Expect(page.Locator("#ledger-summary")).ToContainTextAsync("none of them is delivered again");
        var ledger = await router.Api.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{router.Credentials.SandboxId}/sources/{window}/deliveries");
        Assert.Equal(ledger.GetProperty("count").GetInt32(),
            await page.Locator("#ledger-content li").CountAsync() + await page.Locator("#ledger-menu li").CountAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "console.png"), FullPage = true });

        await page.ClickAsync("#archive-window");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync($"Archived {window}");
        await Assertions.Expect(page.Locator("#window-id")).ToHaveTextAsync("none yet");
        await Assertions.Expect(page.Locator("#ledger-content li")).ToHaveCountAsync(0);
        await page.ClickAsync("nav button[data-view=browse]");
        await Assertions.Expect(page.Locator("#windows tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#windows tbody tr").First).ToContainTextAsync("archived");
        await Assertions.Expect(page.Locator("#runs tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#runs-more")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#view-chat")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task More_runs_follows_the_cursor_to_the_oldest_run()
    {
        await using var router = await ConsoleRouter.StartAsync("Echo:DelayMilliseconds=0");
        for (var i = 0; i < 27; i++)
        {
            Assert.True((await router.RunAsync($"run {i}", "bulk")).Finished);
        }

        var page = await browser.OpenAsync(router.Url);
        await page.ClickAsync("nav button[data-view=browse]");

        await Assertions.Expect(page.Locator("#runs tbody tr")).ToHaveCountAsync(25);
        await Assertions.Expect(page.Locator("#runs-shown")).ToHaveTextAsync("25 runs shown; older ones follow.");
        await page.ClickAsync("#runs-more");
        await Assertions.Expect(page.Locator("#runs tbody tr")).ToHaveCountAsync(27);
        await Assertions.Expect(page.Locator("#runs-more")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#runs-shown")).ToHaveTextAsync("27 runs shown.");

        var api = await router.Api.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{router.Credentials.SandboxId}/agents/runs?limit=200");
        Assert.Equal(api.RunIds(), await page.Locator("#runs tbody tr td:first-child").AllTextContentsAsync());
    }

    [Fact]
    public async Task The_window_panel_follows_the_pages_and_shows_every_turn_of_a_long_window()
    {
        // 520 turns: more than one page of the largest size the API gives.
        await using var router = await ConsoleRouter.StartAsync("Ingest:Concurrency=0");
        var sandbox = $"/api/v1/storage/sandboxes/{router.Credentials.SandboxId}";
        using var created = await router.Api.PostAsJsonAsync($"{sandbox}/sources", new { provider = "custom", kind = "ephemeral", end_user_id = "local-user" });
        var window = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data_source_id").GetString()!;
        for (var i = 1; i <= 520; i++)
        {
            using var ingested = await router.Api.PostAsJsonAsync($"{sandbox}/ingest",
                new { text = $"turn {i}", source_type = "conversation", data_source_id = window, speaker = i % 2 == 1 ? "User" : "Assistant" });
            Assert.Equal(System.Net.HttpStatusCode.Accepted, ingested.StatusCode);
        }

        var page = await browser.OpenAsync(router.Url);
        await page.ClickAsync("nav button[data-view=browse]");
        await page.ClickAsync($"button[aria-label='Open window {window}']");

        await Assertions.Expect(page.Locator("#turns li")).ToHaveCountAsync(520);
        var texts = await page.Locator("#turns li .turn-text").AllTextContentsAsync();
        Assert.Equal(Enumerable.Range(1, 520).Select(i => $"turn {i}"), texts);
    }

    [Fact]
    public async Task Usage_charts_tokens_and_cost_over_the_chosen_days_and_reads_at_360_px()
    {
        // A priced model (an OpenAI-compatible server on loopback) next to the free echo model, so cost is not all zero.
        await using var fake = await FakeProviderServer.StartAsync();
        fake.Enqueue(FakeResponse.Sse(Transcripts.Read("openai/chat-text.sse")));
        await using var router = await ConsoleRouter.StartAsync(
            $"Providers:OpenAICompatible:local:BaseUrl={fake.BaseUrl}/v1", "Providers:OpenAICompatible:local:DefaultModel=local-1",
            "Pricing:Providers:local:local-1:InputPerMillion=2500000", "Pricing:Providers:local:local-1:OutputPerMillion=10000000");
        Assert.True((await router.RunAsync("hello", "u-usage", provider: "local")).Finished);
        Assert.True((await router.RunAsync("hello again", "u-usage")).Finished);

        var page = await browser.OpenAsync(router.Url, width: 360, height: 740);
        await page.ClickAsync("nav button[data-view=usage]");

        // The last 30 UTC days by default, per day: one day, its tokens and its cost.
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await Assertions.Expect(page.Locator("#usage-totals")).ToContainTextAsync("2 runs");
        Assert.Equal(today, await page.Locator("#usage-to").InputValueAsync());
        Assert.Equal(DateTime.UtcNow.AddDays(-29).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), await page.Locator("#usage-from").InputValueAsync());
        await Assertions.Expect(page.Locator("#usage-chart rect.tokens")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#usage-chart rect.cost")).ToHaveCountAsync(1);
        var dayCost = await page.Locator("#usage-table tbody tr td").Last.TextContentAsync();
        Assert.NotEqual("$0.000000", dayCost);
        await Assertions.Expect(page.Locator("#usage-chart text").Last).ToHaveTextAsync(dayCost!);

        // Per model: the priced model's cost bar is the long one; the table has the same figures as the chart.
        await page.SelectOptionAsync("#usage-group", "model");
        await Assertions.Expect(page.Locator("#usage-table tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#usage-chart rect.cost")).ToHaveCountAsync(2);
        var costWidths = await page.Locator("#usage-chart rect.cost").EvaluateAllAsync<double[]>("rs => rs.map(r => r.width.baseVal.value)");
        var keys = await page.Locator("#usage-table tbody tr td:first-child").AllTextContentsAsync();
        Assert.Equal(["echo/echo-1", "local/local-1"], keys);
        Assert.True(costWidths[1] > costWidths[0] * 10, $"cost bars {string.Join(", ", costWidths)}");

        // Readable on a phone: nothing wider than the screen, chart text drawn at full size.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 360"), "the page scrolls sideways at 360 px");
        var textHeights = await page.Locator("#usage-chart text").EvaluateAllAsync<double[]>("ts => ts.map(t => t.getBoundingClientRect().height)");
        Assert.All(textHeights, h => Assert.True(h >= 12, $"chart text is {h:0.0} px high"));

        // Another range: a month without runs.
        await page.FillAsync("#usage-from", "2020-01-01");
        await page.FillAsync("#usage-to", "2020-01-31");
        await Assertions.Expect(page.Locator("#usage-totals")).ToContainTextAsync("2020-01-01 to 2020-01-31: 0 runs");
        await Assertions.Expect(page.Locator("#usage-chart")).ToContainTextAsync("No runs in this period.");
        await Assertions.Expect(page.Locator("#usage-table tbody tr")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Every_view_names_its_controls_shows_focus_at_every_tab_stop_and_meets_aa_contrast()
    {
        await using var router = await ConsoleRouter.StartAsync();
        await router.IngestAsync(("notes/frost.md", FrostNotes));
        var run = await router.RunAsync("/search When do frost alerts fire?", "local-user");
        Assert.True(run.Finished);
        var page = await browser.OpenAsync(router.Url);

        // The chat with a window open: turns with folded tool parts, and the ledger.
        await page.ClickAsync("nav button[data-view=browse]");
        await page.ClickAsync($"button[aria-label='Open window {run.WindowId}']");
        await Assertions.Expect(page.Locator("#ledger-content li")).Not.ToHaveCountAsync(0);
        await CheckViewAsync(page, "chat");

        await page.ClickAsync("nav button[data-view=browse]");
        await Assertions.Expect(page.Locator("#runs tbody tr")).ToHaveCountAsync(1);
        await CheckViewAsync(page, "browse");

        await page.ClickAsync("nav button[data-view=usage]");
        await Assertions.Expect(page.Locator("#usage-chart rect.tokens")).ToHaveCountAsync(1);
        await CheckViewAsync(page, "usage");
    }

    private async Task CheckViewAsync(IPage page, string view)
    {
        Assert.Empty(await A11y.UnnamedControlsAsync(page));

        var stops = await A11y.TabThroughAsync(page);
        Assert.True(stops.Count >= 8, $"{view}: only {stops.Count} tab stops");
        Assert.Empty(stops.Where(s => !s.Visible).Select(s => $"{view}: no focus indicator on {s.Element}"));

        var (checkedCount, problems) = await A11y.ContrastProblemsAsync(page);
        output.WriteLine($"{view}: {stops.Count} tab stops, {checkedCount} text colours checked for contrast");
        Assert.True(checkedCount > 10, $"{view}: only {checkedCount} texts checked");
        Assert.Empty(problems);
    }

    // Types into the focused message box and sends with Enter; the focus comes back to the box for the next turn.
    private static async Task SendByKeyboardAsync(IPage page, string text, int turns)
    {
        Assert.True(await page.EvaluateAsync<bool>("() => document.activeElement?.id === 'message'"), "the message box should have the focus");
        await page.Keyboard.TypeAsync(text);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#turns li")).ToHaveCountAsync(turns);
        await Assertions.Expect(page.Locator("#send")).ToBeEnabledAsync();
        await Assertions.Expect(page.Locator("#message")).ToBeFocusedAsync();
        await Assertions.Expect(page.Locator("#message")).ToHaveValueAsync("");
    }
}
