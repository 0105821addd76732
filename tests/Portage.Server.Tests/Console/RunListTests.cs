using System.Text.Json;
using Portage.Server.Tests.Sources;
using Portage.Testing;

namespace Portage.Server.Tests.Console;

/// <summary>The runs of a sandbox (cursor pages, filters, one run) and its end users, over HTTP.</summary>
public sealed class RunListTests
{
    [Fact]
    public async Task Pages_walk_every_run_exactly_once_newest_first()
    {
        using var app = new PortageApp();
        var made = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            made.Add((await app.RunAsync(Runs.Body($"turn {i}", endUser: i % 2 == 0 ? "u-even" : "u-odd"))).RunId);
        }

        var seen = new List<string>();
        var starts = new List<DateTimeOffset>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var (status, page) = await app.GetJsonAsync(app.RunsPath("limit=2" + (cursor is null ? "" : "&cursor=" + cursor)));
            Assert.Equal(200, status);
            pages++;
            seen.AddRange(page.RunIds());
            starts.AddRange(page.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("started_at").GetDateTimeOffset()));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(made.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.Equal(starts.OrderDescending(), starts);
        var (_, all) = await app.GetJsonAsync(app.RunsPath());
        Assert.Equal(seen, all.RunIds());
        Assert.Equal(JsonValueKind.Null, all.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task Filters_by_window_end_user_and_status()
    {
        using var app = new PortageApp();
        var first = await app.RunAsync(Runs.Body("one", endUser: "u-a"));
        var second = await app.RunAsync(Runs.Body("two", endUser: "u-a", window: first.WindowId));
        var other = await app.RunAsync(Runs.Body("three", endUser: "u-b"));

        Assert.Equal([second.RunId, first.RunId], (await app.GetJsonAsync(app.RunsPath($"context_window_id={first.WindowId}"))).Json.RunIds());
        Assert.Equal([other.RunId], (await app.GetJsonAsync(app.RunsPath("end_user_id=u-b"))).Json.RunIds());
        Assert.Equal(3, (await app.GetJsonAsync(app.RunsPath("status=succeeded"))).Json.RunIds().Count);
        Assert.Empty((await app.GetJsonAsync(app.RunsPath("status=failed"))).Json.RunIds());
        Assert.Equal([first.RunId], (await app.GetJsonAsync(app.RunsPath($"context_window_id={first.WindowId}&end_user_id=u-a&limit=1&cursor=" +
            (await app.GetJsonAsync(app.RunsPath($"context_window_id={first.WindowId}&limit=1"))).Json.GetProperty("next_cursor").GetString()))).Json.RunIds());
    }

    [Fact]
    public async Task A_run_reads_back_with_its_usage_times_and_outcome()
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("hello", endUser: "u-a"));

        var (status, json) = await app.GetJsonAsync(app.RunsPath() + "/" + run.RunId);

        Assert.Equal(200, status);
        Assert.Equal((run.RunId, app.SandboxId, "u-a", run.WindowId, run.SessionId), (json.Str("run_id"), json.Str("sandbox_id"), json.Str("end_user_id"),
            json.Str("context_window_id"), json.Str("session_id")));
        Assert.Equal(("echo", "succeeded", "end_turn"), (json.Str("provider"), json.Str("status"), json.Str("stop_reason")));
        Assert.Equal(JsonValueKind.Null, json.GetProperty("error").ValueKind);
        var finish = run.Terminal.Json.GetProperty("usage");
        Assert.Equal(finish.Long("input_tokens"), json.GetProperty("usage").Long("input_tokens"));
        Assert.Equal(finish.Long("output_tokens"), json.GetProperty("usage").Long("output_tokens"));
        Assert.Equal(finish.Long("cost_microcents"), json.GetProperty("usage").Long("cost_microcents"));
        var started = json.GetProperty("started_at").GetDateTimeOffset();
        var ended = json.GetProperty("ended_at").GetDateTimeOffset();
        Assert.True(ended >= started);
        Assert.InRange(json.Long("duration_ms"), 0, (long)(ended - started).TotalMilliseconds + 1);
        var listed = (await app.GetJsonAsync(app.RunsPath())).Json.GetProperty("runs")[0];
        Assert.Equal(json.GetRawText(), listed.GetRawText());
    }

    [Fact]
    public async Task Runs_of_another_sandbox_or_account_are_not_found()
    {
        using var app = new PortageApp();
        var staging = await app.CreateSandboxAsync("staging");
        var theirs = await app.RunInAsync(staging, Runs.Body("elsewhere"));
        using var other = await app.OtherAccountAsync();

        Assert.Equal((404, "run_not_found"), (await app.GetJsonAsync(app.RunsPath() + "/" + theirs.RunId)).Error());
        Assert.Equal((404, "run_not_found"), (await app.GetJsonAsync(app.RunsPath() + "/run_missing")).Error());
        Assert.Empty((await app.GetJsonAsync(app.RunsPath())).Json.RunIds());
        Assert.Equal([theirs.RunId], (await app.GetJsonAsync(app.RunsPath(sandboxId: staging))).Json.RunIds());
        Assert.Equal((404, "sandbox_not_found"), (await app.GetJsonAsync(app.RunsPath(sandboxId: "sb_other"))).Error());
        Assert.Equal((404, "sandbox_not_found"), (await app.GetJsonAsync(app.EndUsersPath("sb_other"))).Error());
        Assert.Equal((404, "sandbox_not_found"), await SendGetAsync(other, app.RunsPath(sandboxId: staging)));
        Assert.Equal((404, "sandbox_not_found"), await SendGetAsync(other, app.RunsPath(sandboxId: staging) + "/" + theirs.RunId));
    }

    [Theory]
    [InlineData("limit=0", "invalid_limit")]
    [InlineData("limit=201", "invalid_limit")]
    [InlineData("limit=ten", "invalid_limit")]
    [InlineData("limit=-1", "invalid_limit")]
    [InlineData("status=done", "invalid_status")]
    [InlineData("cursor=not-a-cursor", "invalid_cursor")]
    [InlineData("cursor=%21%21", "invalid_cursor")]
    [InlineData("cursor=MTIzOg", "invalid_cursor")]
    public async Task Bad_list_parameters_are_400_with_a_clear_detail(string query, string error)
    {
        using var app = new PortageApp();

        var (status, json) = await app.GetJsonAsync(app.RunsPath(query));

        Assert.Equal((400, error), (status, json.Str("error")));
        Assert.False(string.IsNullOrWhiteSpace(json.Str("detail")));
    }

    [Fact]
    public async Task End_users_have_window_and_run_counts_and_their_token_totals()
    {
        using var app = new PortageApp();
        var a1 = await app.RunAsync(Runs.Body("one", endUser: "u-a"));
        var a2 = await app.RunAsync(Runs.Body("two", endUser: "u-a", window: a1.WindowId));
        var a3 = await app.RunAsync(Runs.Body("three", endUser: "u-a", newWindow: true));
        var b1 = await app.RunAsync(Runs.Body("four", endUser: "u-b"));

        var (status, json) = await app.GetJsonAsync(app.EndUsersPath());

        Assert.Equal(200, status);
        Assert.Equal(2, json.Long("count"));
        var users = json.GetProperty("end_users").EnumerateArray().ToDictionary(u => u.Str("end_user_id"));
        Assert.Equal((2L, 3L), (users["u-a"].Long("window_count"), users["u-a"].Long("run_count")));
        Assert.Equal((1L, 1L), (users["u-b"].Long("window_count"), users["u-b"].Long("run_count")));
        Assert.Equal(new[] { a1, a2, a3 }.Sum(r => Tokens(r, "input_tokens")), users["u-a"].Long("input_tokens"));
        Assert.Equal(new[] { a1, a2, a3 }.Sum(r => Tokens(r, "output_tokens")), users["u-a"].Long("output_tokens"));
        Assert.Equal(Tokens(b1, "input_tokens") + Tokens(b1, "output_tokens"), users["u-b"].Long("total_tokens"));
        Assert.Equal("u-b", json.GetProperty("end_users")[0].Str("end_user_id")); // most recently active first
        Assert.True(users["u-a"].GetProperty("last_active_at").GetDateTimeOffset() <= users["u-b"].GetProperty("last_active_at").GetDateTimeOffset());
    }

    private static long Tokens(RunResult run, string name) => run.Terminal.Json.GetProperty("usage").Long(name);

    private static async Task<(int, string)> SendGetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var (status, error, _) = await Runs.ErrorOf(response);
        return (status, error);
    }
}
