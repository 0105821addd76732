using System.Text.Json;
using Portage.Server.Tests.Copass;
using Portage.Server.Tests.Sources;
using Portage.Testing;

namespace Portage.Server.Tests.Console;

/// <summary><c>GET /api/v1/usage</c>: totals are the sums of the runs' stored usage, and groups add up to the totals.</summary>
public sealed class UsageTests
{
    private static readonly string[] s_totals =
        ["runs", "input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "thinking_tokens", "total_tokens", "cost_microcents"];

    [Fact]
    public async Task Totals_equal_the_sum_of_the_runs_and_every_grouping_adds_up()
    {
        using var app = PricedApp();
        for (var i = 0; i < 3; i++)
        {
            await app.RunAsync(Runs.Body($"priced {i}", endUser: i == 0 ? "u-a" : "u-b", provider: "scripted"));
        }

        await app.RunAsync(Runs.Body("free", endUser: "u-a"));
        var runs = (await app.GetJsonAsync(app.RunsPath())).Json.GetProperty("runs").EnumerateArray().ToList();

        var (status, usage) = await app.GetJsonAsync("/api/v1/usage");

        Assert.Equal(200, status);
        Assert.Equal(4, usage.Long("runs"));
        Assert.Equal(315, usage.Long("cost_microcents")); // 3 × (10×3 + 5×15); echo is free
        foreach (var name in new[] { "input_tokens", "output_tokens", "cost_microcents" })
        {
            Assert.Equal(runs.Sum(r => r.GetProperty("usage").Long(name)), usage.Long(name));
        }

        Assert.Equal(usage.Long("input_tokens") + usage.Long("output_tokens"), usage.Long("total_tokens"));
        var today = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(today, usage.Str("to"));
        Assert.Empty(usage.GetProperty("groups").EnumerateArray());
        var summary = usage.GetProperty("summary");
        Assert.Equal((4L, 0.000315m), (summary.Long("total_calls"), summary.GetProperty("total_cost_usd").GetDecimal()));

        foreach (var groupBy in new[] { "day", "model", "end_user", "provider" })
        {
            var grouped = (await app.GetJsonAsync($"/api/v1/usage?group_by={groupBy}")).Json;
            var groups = grouped.GetProperty("groups").EnumerateArray().ToList();
            Assert.All(s_totals, name => Assert.Equal(usage.Long(name), groups.Sum(g => g.Long(name))));
        }

        var byModel = (await app.GetJsonAsync("/api/v1/usage?group_by=model")).Json.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(["echo/echo-1", "scripted/scripted-model"], byModel.Select(g => g.Str("key")));
        Assert.Equal(("scripted", "scripted-model", 3L, 315L),
            (byModel[1].Str("provider"), byModel[1].Str("model"), byModel[1].Long("runs"), byModel[1].Long("cost_microcents")));
        var byUser = (await app.GetJsonAsync("/api/v1/usage?group_by=end_user")).Json.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal([("u-a", 2L, 105L), ("u-b", 2L, 210L)], byUser.Select(g => (g.Str("key"), g.Long("runs"), g.Long("cost_microcents"))));
        var byDay = (await app.GetJsonAsync("/api/v1/usage?group_by=day")).Json.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal([(today, 4L)], byDay.Select(g => (g.Str("key"), g.Long("runs"))));
    }

    [Fact]
    public async Task Copass_clients_get_summary_by_model_and_by_call_type_in_the_section_7_6_shape()
    {
        using var app = PricedApp();
        for (var i = 0; i < 3; i++)
        {
            await app.RunAsync(Runs.Body($"priced {i}", provider: "scripted"));
        }

        await app.RunAsync(Runs.Body("free"));

        // Paged groups by end user, one a page: by_model and by_call_type still cover the whole range.
        var (status, usage) = await app.GetJsonAsync("/api/v1/usage?group_by=end_user&limit=1");

        Assert.Equal(200, status);
        CopassShape.AssertFields(usage, "summary:object", "by_model:array", "by_call_type:array", "start_date:string", "end_date:string");
        CopassShape.AssertFields(usage.GetProperty("summary"),
            "total_prompt_tokens:integer", "total_completion_tokens:integer", "total_tokens:integer", "total_cost_usd:number", "total_calls:integer");
        Assert.Equal((usage.Str("from"), usage.Str("to")), (usage.Str("start_date"), usage.Str("end_date")));
        var byModel = usage.GetProperty("by_model").EnumerateArray().ToList();
        Assert.All(byModel, m => CopassShape.AssertFields(m,
            "model:string", "provider:string", "prompt_tokens:integer", "completion_tokens:integer", "total_tokens:integer", "cost_usd:number", "calls:integer"));
        Assert.Equal([("echo", "echo-1", 1L), ("scripted", "scripted-model", 3L)], byModel.Select(m => (m.Str("provider"), m.Str("model"), m.Long("calls"))));
        var scripted = byModel[1];
        Assert.Equal((0.000315m, 315L), (scripted.GetProperty("cost_usd").GetDecimal(), scripted.Long("cost_microcents")));
        Assert.Equal(scripted.Long("prompt_tokens") + scripted.Long("completion_tokens"), scripted.Long("total_tokens"));
        var callType = Assert.Single(usage.GetProperty("by_call_type").EnumerateArray());
        CopassShape.AssertFields(callType,
            "call_type:string", "prompt_tokens:integer", "completion_tokens:integer", "total_tokens:integer", "cost_usd:number", "calls:integer");
        Assert.Equal(("agent_run", 4L), (callType.Str("call_type"), callType.Long("calls")));
        var summary = usage.GetProperty("summary");
        Assert.Equal(summary.Long("total_prompt_tokens"), byModel.Sum(m => m.Long("prompt_tokens")));
        Assert.Equal(summary.Long("total_completion_tokens"), callType.Long("completion_tokens"));
        Assert.Equal(summary.GetProperty("total_cost_usd").GetDecimal(), callType.GetProperty("cost_usd").GetDecimal());

        var empty = (await app.GetJsonAsync("/api/v1/usage?from=2000-01-01&to=2000-01-02")).Json;
        Assert.Equal((0, 0), (empty.GetProperty("by_model").GetArrayLength(), empty.GetProperty("by_call_type").GetArrayLength()));
    }

    [Fact]
    public async Task Provider_groups_name_their_provider()
    {
        using var app = PricedApp();
        await app.RunAsync(Runs.Body("priced", provider: "scripted"));
        await app.RunAsync(Runs.Body("free"));

        var groups = (await app.GetJsonAsync("/api/v1/usage?group_by=provider")).Json.GetProperty("groups").EnumerateArray().ToList();

        Assert.Equal([("echo", "echo"), ("scripted", "scripted")], groups.Select(g => (g.Str("key"), g.Str("provider"))));
        Assert.All(groups, g => Assert.Equal(JsonValueKind.Null, g.GetProperty("model").ValueKind));
    }

    [Fact]
    public async Task Covers_every_sandbox_of_the_account_unless_one_is_named_and_never_another_account()
    {
        using var app = PricedApp();
        var staging = await app.CreateSandboxAsync("staging");
        await app.RunAsync(Runs.Body("default", provider: "scripted"));
        await app.RunInAsync(staging, Runs.Body("staging", provider: "scripted"));
        await app.RunInAsync(staging, Runs.Body("staging again", provider: "scripted"));
        using var other = await app.OtherAccountAsync();

        Assert.Equal((3L, 315L), Totals((await app.GetJsonAsync("/api/v1/usage")).Json));
        var named = (await app.GetJsonAsync($"/api/v1/usage?sandbox_id={staging}")).Json;
        Assert.Equal((2L, 210L), Totals(named));
        Assert.Equal(staging, named.Str("sandbox_id"));
        Assert.Equal((404, "sandbox_not_found"), (await app.GetJsonAsync("/api/v1/usage?sandbox_id=sb_other")).Error());
        using var response = await other.GetAsync(new Uri("/api/v1/usage", UriKind.Relative));
        Assert.Equal((0L, 0L), Totals(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement));
        using var foreign = await other.GetAsync(new Uri($"/api/v1/usage?sandbox_id={staging}", UriKind.Relative));
        Assert.Equal(404, (int)foreign.StatusCode);
    }

    [Fact]
    public async Task Days_are_whole_utc_days_and_a_range_without_runs_is_zero()
    {
        using var app = new PortageApp();
        await app.RunAsync(Runs.Body("hi"));
        var today = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        var todayOnly = (await app.GetJsonAsync($"/api/v1/usage?from={today}&to={today}")).Json;
        Assert.Equal((today, today, 1L), (todayOnly.Str("from"), todayOnly.Str("to"), todayOnly.Long("runs")));
        var past = (await app.GetJsonAsync("/api/v1/usage?from=2000-01-01&to=2000-01-31&group_by=day")).Json;
        Assert.Equal((0L, 0L), Totals(past));
        Assert.Empty(past.GetProperty("groups").EnumerateArray());
    }

    [Fact]
    public async Task A_to_date_at_the_start_of_the_calendar_clips_the_default_range_instead_of_failing()
    {
        using var app = new PortageApp();

        var (status, json) = await app.GetJsonAsync("/api/v1/usage?to=0001-01-05");

        Assert.Equal(200, status);
        Assert.Equal(("0001-01-01", "0001-01-05", 0L), (json.Str("from"), json.Str("to"), json.Long("runs")));
    }

    [Theory]
    [InlineData("from=2025-13-01", "invalid_date")]
    [InlineData("to=yesterday", "invalid_date")]
    [InlineData("from=2025-3-1", "invalid_date")]
    [InlineData("to=9999-12-31", "invalid_date")]
    [InlineData("from=2025-03-15&to=2025-03-14", "invalid_date_range")]
    [InlineData("group_by=week", "invalid_group_by")]
    [InlineData("group_by=Model", "invalid_group_by")]
    public async Task Bad_inputs_are_400_with_a_clear_detail(string query, string error)
    {
        using var app = new PortageApp();

        var (status, json) = await app.GetJsonAsync("/api/v1/usage?" + query);

        Assert.Equal((400, error), (status, json.Str("error")));
        Assert.False(string.IsNullOrWhiteSpace(json.Str("detail")));
    }

    private static (long Runs, long Cost) Totals(JsonElement usage) => (usage.Long("runs"), usage.Long("cost_microcents"));

    private static PortageApp PricedApp() => new([Providers.Scripted(new ScriptedChatClient())], new Dictionary<string, string?>
    {
        ["Pricing:Providers:scripted:scripted-model:InputPerMillion"] = "3",
        ["Pricing:Providers:scripted:scripted-model:OutputPerMillion"] = "15",
    });
}
