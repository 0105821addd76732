using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Portage.Server.Tests.Console;

/// <summary>
/// Issue 13, item 6: a compaction turn is folded shut in the window (and in a reopened chat) and opens on its summary;
/// the turns it replaced are still listed; a run's <c>context_compacted</c> frame leaves a notice before its answer,
/// and frames the console does not know are skipped.
/// </summary>
public sealed partial class ConsoleBrowserTests
{
    [Fact]
    public async Task A_compaction_leaves_a_notice_before_the_answer_and_a_folded_summary_in_the_window()
    {
        // A low threshold, so one long message compacts; one exchange kept, so the two before it are summarised. The
        // earlier messages are long enough that their summary is shorter than they are (else none is written).
        await using var router = await ConsoleRouter.StartAsync("Compaction:Threshold=0.15", "Compaction:KeepExchanges=1", "Compaction:SummaryMaxTokens=256");
        string? window = null;
        for (var i = 1; i <= 3; i++)
        {
            window = (await router.RunAsync($"message {i}: " + string.Join(' ', Enumerable.Repeat($"detail{i}", 260)), "local-user")).WindowId;
        }

        var page = await browser.OpenAsync(router.Url);
        await page.ClickAsync("nav button[data-view=browse]");
        await page.ClickAsync($"button[aria-label='Open window {window}']");
        await Assertions.Expect(page.Locator("#turns li")).ToHaveCountAsync(6);
        await page.FillAsync("#message", "long " + new string('x', 16_000));
        await page.PressAsync("#message", "Enter");

        // The run's user turn, the summary, the answer.
        await Assertions.Expect(page.Locator("#turns li")).ToHaveCountAsync(9);
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Done");
        var notice = page.Locator("#messages li.notice");
        await Assertions.Expect(notice).ToHaveTextAsync(new Regex(@"^Earlier turns 1–4 summarised \([\d,]+ → [\d,]+ tokens\)$"));
        Assert.True(await notice.EvaluateAsync<bool>("n => n.nextElementSibling === document.querySelector('#messages li.msg.assistant:last-child')"),
            "the notice should come right before the answer");

        var summary = page.Locator("#turns li[data-role=compaction] details.compaction");
        await Assertions.Expect(summary).Not.ToHaveAttributeAsync("open", "");
        await Assertions.Expect(summary.Locator("summary")).ToHaveTextAsync(new Regex(@"^Summary of turns 1–4 · written by echo/echo-1 · [\d,]+ → [\d,]+ tokens$"));
        await Assertions.Expect(summary.Locator(".summary-text")).ToBeHiddenAsync();
        await summary.Locator("summary").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(summary.Locator(".summary-text")).ToContainTextAsync("message 1");
        Assert.Equal(["message 1:", "message 2:", "message 3:"],
            (await page.Locator("#turns li[data-role=user] .turn-text").AllTextContentsAsync()).Take(3).Select(t => t[..10]));
        var (_, problems) = await A11y.ContrastProblemsAsync(page);
        Assert.Empty(problems);

        // Reopened, the chat has the summary folded where it was written, beside the turns it replaced.
        await page.ClickAsync("nav button[data-view=browse]");
        await page.ClickAsync($"button[aria-label='Open window {window}']");
        await Assertions.Expect(page.Locator("#messages li.msg")).ToHaveCountAsync(9);
        var folded = page.Locator("#messages li.msg.compaction details.compaction");
        await Assertions.Expect(folded.Locator("summary")).ToContainTextAsync("Summary of turns 1–4");
        await Assertions.Expect(folded.Locator(".summary-text")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task The_chat_skips_frames_it_does_not_know_and_shows_the_compaction_notice_and_the_answer()
    {
        await using var router = await ConsoleRouter.StartAsync();
        var earlier = await router.RunAsync("hello", "local-user");
        var page = await browser.OpenAsync(router.Url);

        // A newer router's stream: frames this console has never heard of, one with data that is not JSON.
        var stream = string.Concat(
            Frame("run_started", $$"""{"run_id": "run_x", "session_id": "sess_x", "context_window_id": "{{earlier.WindowId}}"}"""),
            "event: future_frame\ndata: not json at all\n\n",
            Frame("future_json_frame", """{"anything": [1, 2]}"""),
            Frame("context_compacted", """{"summary_seq": 3, "replaced_from_seq": 1, "replaced_to_seq": 2, "tokens_before": 12345, "tokens_after": 678}"""),
            Frame("agent_text_delta", """{"text": "Hello "}"""),
            ": ping\n\n",
            Frame("agent_text_delta", """{"text": "again"}"""),
            Frame("agent_finish", """{"stop_reason": "end_turn", "session_id": "sess_x", "usage": {"input_tokens": 3, "output_tokens": 2}, "provider": "echo", "model": "echo-1"}"""));
        await page.RouteAsync("**/agents/run", route => route.FulfillAsync(new() { Status = 200, ContentType = "text/event-stream", Body = stream }));
        await page.FillAsync("#message", "hi");
        await page.PressAsync("#message", "Enter");

        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Done (end_turn).");
        await Assertions.Expect(page.Locator("#messages li.msg.assistant .text")).ToHaveTextAsync("Hello again");
        await Assertions.Expect(page.Locator("#messages li.notice")).ToHaveTextAsync("Earlier turns 1–2 summarised (12,345 → 678 tokens)");
        Assert.Equal(["msg user", "notice", "msg assistant"], await page.Locator("#messages > li").EvaluateAllAsync<string[]>("ls => ls.map(l => l.className)"));
    }

    private static string Frame(string name, string json) => $"event: {name}\ndata: {json}\n\n";
}
