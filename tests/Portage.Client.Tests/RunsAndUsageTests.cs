using Portage.Client.Tests.Fakes;

namespace Portage.Client.Tests;

public sealed class RunsAndUsageTests
{
    private const string Run =
        "{\"run_id\":\"run_1\",\"sandbox_id\":\"sb_test\",\"end_user_id\":\"u-1\",\"context_window_id\":\"ds_w\",\"session_id\":\"sess_1\"," +
        "\"provider\":\"echo\",\"model\":\"echo-1\",\"status\":\"succeeded\",\"stop_reason\":\"end_turn\",\"error\":null," +
        "\"usage\":{\"input_tokens\":3,\"output_tokens\":7,\"cost_microcents\":0},\"started_at\":\"2025-03-14T09:26:53.589Z\"," +
        "\"ended_at\":\"2025-03-14T09:26:54.589Z\",\"duration_ms\":1000}";

    [Fact]
    public async Task List_sends_filters_and_cursor_as_query_and_reads_the_page()
    {
        var handler = FakeHandler.Json($"{{\"runs\":[{Run}],\"next_cursor\":\"abc\"}}");
        using var router = TestRouter.Create(handler);

        var page = await router.Client.Runs.ListAsync("sb_test", contextWindowId: "ds_w", status: "succeeded", endUserId: "org:u 1", limit: 10, cursor: "c1");

        Assert.Equal("abc", page.NextCursor);
        var run = Assert.Single(page.Runs);
        Assert.Equal(("run_1", "ds_w", 1000L), (run.RunId, run.ContextWindowId, run.DurationMs));
        Assert.Equal(7, run.Usage!.Value.GetProperty("output_tokens").GetInt32());
        Assert.Equal("/api/v1/storage/sandboxes/sb_test/agents/runs", handler.Requests[0].Uri.AbsolutePath);
        Assert.Equal("?context_window_id=ds_w&status=succeeded&end_user_id=org%3Au%201&limit=10&cursor=c1", handler.Requests[0].Uri.Query);
    }

    [Fact]
    public async Task Providers_lists_what_the_server_knows_and_what_each_needs()
    {
        var handler = FakeHandler.Json(
            "{\"providers\":[{\"name\":\"anthropic\",\"default_model\":\"claude-sonnet-4-6\",\"models\":[],\"needs\":\"ANTHROPIC_API_KEY\"," +
            "\"sessions\":\"minted\",\"configured\":false,\"agent_engines\":false}],\"count\":1}");
        using var router = TestRouter.Create(handler);

        var list = await router.Client.Providers.ListAsync();

        var provider = Assert.Single(list.Providers);
        Assert.Equal(("anthropic", false, "ANTHROPIC_API_KEY"), (provider.Name, provider.Configured, provider.Needs));
        Assert.Equal("/api/v1/providers", handler.Requests[0].Uri.AbsolutePath);
    }

    [Fact]
    public async Task Get_reads_one_run_by_escaped_id()
    {
        var handler = FakeHandler.Json(Run);
        using var router = TestRouter.Create(handler);

        var run = await router.Client.Runs.GetAsync("sb_test", "run_1");

        Assert.Equal("succeeded", run.Status);
        Assert.Equal("/api/v1/storage/sandboxes/sb_test/agents/runs/run_1", handler.Requests[0].Uri.AbsolutePath);
    }

    [Fact]
    public async Task Get_reads_the_copass_agent_run_fields()
    {
        var handler = FakeHandler.Json(Run[..^1] +
            ",\"output_text\":\"It is 42.\",\"tokens_in\":3,\"tokens_out\":7,\"cost_microcents\":0,\"error_message\":null," +
            "\"finished_at\":\"2025-03-14T09:26:54.589Z\",\"provider_session_id\":\"sess_1\"}");
        using var router = TestRouter.Create(handler);

        var run = await router.Client.Runs.GetAsync("sb_test", "run_1");

        Assert.Equal(("It is 42.", 3L, 7L, 0L, "sess_1"), (run.OutputText, run.TokensIn, run.TokensOut, run.CostMicrocents, run.ProviderSessionId));
        Assert.Equal((run.EndedAt, (string?)null), (run.FinishedAt, run.ErrorMessage));
    }

    [Fact]
    public async Task End_users_are_read_from_the_sandbox()
    {
        var handler = FakeHandler.Json(
            "{\"end_users\":[{\"end_user_id\":\"u-1\",\"window_count\":2,\"run_count\":3,\"last_active_at\":null,\"input_tokens\":1," +
            "\"output_tokens\":2,\"cache_read_input_tokens\":0,\"cache_creation_input_tokens\":0,\"thinking_tokens\":0,\"total_tokens\":3,\"cost_microcents\":5}],\"count\":1}");
        using var router = TestRouter.Create(handler);

        var users = await router.Client.Runs.ListEndUsersAsync("sb_test");

        Assert.Equal(("u-1", 2L, 3L, 5L), (users.EndUsers[0].EndUserId, users.EndUsers[0].WindowCount, users.EndUsers[0].RunCount, users.EndUsers[0].CostMicrocents));
        Assert.Equal("/api/v1/storage/sandboxes/sb_test/end-users", handler.Requests[0].Uri.AbsolutePath);
    }

    [Fact]
    public async Task Usage_sends_days_and_grouping_and_reads_totals_and_groups()
    {
        var handler = FakeHandler.Json(
            "{\"from\":\"2025-03-01\",\"to\":\"2025-03-14\",\"sandbox_id\":null,\"group_by\":\"model\",\"runs\":2,\"input_tokens\":20,\"output_tokens\":10," +
            "\"cache_read_input_tokens\":0,\"cache_creation_input_tokens\":0,\"thinking_tokens\":0,\"total_tokens\":30,\"cost_microcents\":210," +
            "\"groups\":[{\"key\":\"scripted/scripted-model\",\"provider\":\"scripted\",\"model\":\"scripted-model\",\"runs\":2,\"input_tokens\":20," +
            "\"output_tokens\":10,\"cache_read_input_tokens\":0,\"cache_creation_input_tokens\":0,\"thinking_tokens\":0,\"total_tokens\":30,\"cost_microcents\":210}]," +
            "\"summary\":{\"total_prompt_tokens\":20,\"total_completion_tokens\":10,\"total_tokens\":30,\"total_cost_usd\":0.00021,\"total_calls\":2}}");
        using var router = TestRouter.Create(handler);

        var usage = await router.Client.Usage.GetAsync(from: new DateOnly(2025, 3, 1), to: new DateOnly(2025, 3, 14), groupBy: "model");

        Assert.Equal((2L, 210L, 0.00021m), (usage.Runs, usage.CostMicrocents, usage.Summary.TotalCostUsd));
        Assert.Equal("scripted-model", Assert.Single(usage.Groups).Model);
        Assert.Equal("/api/v1/usage?from=2025-03-01&to=2025-03-14&group_by=model", handler.Requests[0].Uri.PathAndQuery);
    }

    [Fact]
    public async Task Usage_reads_the_copass_by_model_and_by_call_type_lines()
    {
        var handler = FakeHandler.Json(
            "{\"from\":\"2025-03-01\",\"to\":\"2025-03-14\",\"runs\":2,\"cost_microcents\":210," +
            "\"summary\":{\"total_prompt_tokens\":20,\"total_completion_tokens\":10,\"total_tokens\":30,\"total_cost_usd\":0.00021,\"total_calls\":2}," +
            "\"by_model\":[{\"model\":\"scripted-model\",\"provider\":\"scripted\",\"prompt_tokens\":20,\"completion_tokens\":10,\"total_tokens\":30," +
            "\"cost_usd\":0.00021,\"calls\":2,\"cost_microcents\":210}]," +
            "\"by_call_type\":[{\"call_type\":\"agent_run\",\"prompt_tokens\":20,\"completion_tokens\":10,\"total_tokens\":30,\"cost_usd\":0.00021,\"calls\":2}]," +
            "\"start_date\":\"2025-03-01\",\"end_date\":\"2025-03-14\"}");
        using var router = TestRouter.Create(handler);

        var usage = await router.Client.Usage.GetAsync();

        var model = Assert.Single(usage.ByModel);
        Assert.Equal(("scripted", "scripted-model", 20L, 10L, 0.00021m, 2L, 210L),
            (model.Provider, model.Model, model.PromptTokens, model.CompletionTokens, model.CostUsd, model.Calls, model.CostMicrocents));
        var callType = Assert.Single(usage.ByCallType);
        Assert.Equal(("agent_run", 30L, 2L), (callType.CallType, callType.TotalTokens, callType.Calls));
        Assert.Equal(("2025-03-01", "2025-03-14"), (usage.StartDate, usage.EndDate));
    }
}
