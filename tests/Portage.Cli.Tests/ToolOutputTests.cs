using System.Text.Json;
using Portage.Cli.Tests.Fakes;
using Portage.Testing;

namespace Portage.Cli.Tests;

/// <summary>
/// Issue 11, item 9: a tool result is one short line on a terminal (a discover menu is kilobytes of JSON); the whole
/// result is what <c>--json</c> shows, for <c>run</c> and for <c>chat</c>.
/// </summary>
public sealed class ToolOutputTests
{
    [Fact]
    public async Task A_real_discover_menu_is_one_line_with_its_count_and_first_labels_and_json_keeps_it_whole()
    {
        using var app = new PortageApp();
        var ingest = Against(app);
        Assert.Equal(0, await ingest.RunAsync("ingest", Corpus()));
        const string Ask = "/discover how do sensors and the gateway work";

        var text = Against(app);
        var textExit = await text.RunAsync("run", Ask, "--end-user", "reader-1");
        var json = Against(app);
        // Another end user: the first run's conversation is the first end user's memory, and would change the menu.
        var jsonExit = await json.RunAsync("run", Ask, "--end-user", "reader-2", "--json");

        Assert.Equal((0, 0), (textExit, jsonExit));
        var line = Assert.Single(Lines(text.Error.ToString()), l => l.StartsWith("[tool discover ->", StringComparison.Ordinal));
        var result = Lines(json.Out.ToString()).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("event").GetString() == "agent_tool_result").GetProperty("data").GetProperty("result");
        var items = result.GetProperty("items");
        var first = items[0].GetProperty("summary").GetString()!;
        Assert.True(line.Length <= ToolSummary.MaxLine, line);
        Assert.True(result.GetRawText().Length > 4 * ToolSummary.MaxLine, "the menu is no longer long: this test shows nothing");
        Assert.StartsWith($"[tool discover -> {items.GetArrayLength()} items: \"{first[..Math.Min(first.Length, 40)]}", line, StringComparison.Ordinal);
        Assert.EndsWith("]", line, StringComparison.Ordinal);
        Assert.Contains("[tool discover {\"query\":\"how do sensors and the gateway work\"}]", Lines(text.Error.ToString()));
    }

    [Fact]
    public async Task A_failed_tool_says_failed_with_its_message_on_one_line()
    {
        var cli = new TestCli();
        cli.Server!.Respond = (_, _) => FakeServer.Sse(
            Frames.Started("run_1", "ds_w"), Frames.ToolCall("search", "{\"query\":\"frost\"}"),
            "event: agent_tool_result\ndata: {\"call_id\":\"c1\",\"name\":\"search\",\"result\":{},\"error\":\"the index is\\nbeing rebuilt\"}\n\n",
            Frames.Finish("sess_1", "ds_w"));

        await cli.RunAsync("run", "hi");

        Assert.Contains("[tool search failed: the index is being rebuilt]", Lines(cli.Error.ToString()));
    }

    [Fact]
    public async Task Texts_and_lists_are_summarised_and_long_ones_cut_with_an_ellipsis()
    {
        var cli = new TestCli();
        var answer = string.Join(' ', Enumerable.Repeat("Frost alerts fire below minus two degrees.", 10));
        var origins = "{\"sandbox_id\":\"sb_1\",\"origins\":[{\"canonical_id\":\"ch_a\",\"files\":[]},{\"canonical_id\":\"ch_b\",\"files\":[]}]}";
        cli.Server!.Respond = (_, _) => FakeServer.Sse(
            Frames.ToolResult("search", JsonSerializer.Serialize(new { answer })), Frames.ToolResult("get_origin", origins), Frames.Finish("sess_1", "ds_w"));

        await cli.RunAsync("run", "hi");

        var lines = Lines(cli.Error.ToString());
        var search = Assert.Single(lines, l => l.StartsWith("[tool search", StringComparison.Ordinal));
        Assert.StartsWith("[tool search -> answer: \"Frost alerts fire below minus two degrees. Frost", search, StringComparison.Ordinal);
        Assert.EndsWith("…]", search, StringComparison.Ordinal);
        Assert.Equal(ToolSummary.MaxLine, search.Length);
        Assert.Contains("[tool get_origin -> 2 origins: \"ch_a\", \"ch_b\"]", lines);
    }

    [Fact]
    public async Task Chat_shows_summaries_and_with_json_or_after_slash_json_the_whole_events()
    {
        var menu = "{\"header\":\"## Discover\",\"items\":[" + string.Join(',', Enumerable.Range(1, 5).Select(i =>
            $"{{\"score\":0.{i},\"summary\":\"notes-{i}.md › Frost › Part {i}\",\"canonical_ids\":[\"ch_{i}\"],\"file_paths\":[\"notes-{i}.md\"]}}")) + "]}";
        TestCli Chat(string stdin)
        {
            var cli = new TestCli { Stdin = stdin };
            cli.Server!.Respond = (_, _) => FakeServer.Sse(
                Frames.Started("run_1", "ds_w"), Frames.ToolCall("discover", "{\"query\":\"frost\"}"), Frames.ToolResult("discover", menu), Frames.Finish("sess_1", "ds_w"));
            return cli;
        }

        var summary = Chat("frost\n");
        await summary.RunAsync("chat");
        var flag = Chat("frost\n");
        await flag.RunAsync("chat", "--json");
        var toggled = Chat("frost\n/json\nfrost\n");
        await toggled.RunAsync("chat");

        Assert.Contains("[tool discover -> 5 items: \"notes-1.md › Frost › Part 1\", \"notes-2.md › Frost › Part 2\", \"notes-3.md › Frost › Part 3\", …]",
            Lines(summary.Out.ToString()));
        var events = Lines(flag.Out.ToString()).Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["agent_tool_call", "agent_tool_result"], events.Select(e => e.GetProperty("event").GetString()));
        Assert.Equal(5, events[1].GetProperty("data").GetProperty("result").GetProperty("items").GetArrayLength());
        var output = Lines(toggled.Out.ToString());
        var switched = output.IndexOf("tool calls and results: whole JSON");
        Assert.True(switched > 0, toggled.Out.ToString());
        Assert.Contains(output[..switched], l => l.StartsWith("[tool discover -> 5 items:", StringComparison.Ordinal));
        Assert.Contains(output[switched..], l => l.StartsWith("{\"event\":\"agent_tool_result\"", StringComparison.Ordinal));
    }

    private static TestCli Against(PortageApp app)
    {
        var cli = new TestCli { Server = null, Handler = app.Server.CreateHandler() };
        cli.Environment["PORTAGE_URL"] = "http://localhost";
        cli.Environment["PORTAGE_API_KEY"] = app.Credentials.ApiKey;
        cli.Environment["PORTAGE_SANDBOX_ID"] = app.SandboxId;
        return cli;
    }

    private static List<string> Lines(string text) =>
        [.. text.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim())];

    private static string Corpus()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portage.slnx")))
            {
                return Path.Combine(dir.FullName, "tests", "fixtures", "corpus");
            }
        }

        throw new DirectoryNotFoundException($"No Portage.slnx above {AppContext.BaseDirectory}.");
    }
}
