using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Core.Limits;
using Portage.Server.Tests.Tenancy;
using Portage.Testing;

namespace Portage.Server.Tests.Limits;

/// <summary>
/// Issue 16, spending limits: a run reserves its estimated maximum before it streams and settles its real cost after;
/// enforce refuses (402 budget_exceeded) exactly the run that would pass a budget, shadow lets it go and records it, and
/// concurrent runs never spend past a budget.
/// </summary>
public sealed class BudgetTests
{
    // The echo model priced at 1 microcent a token in and out, so costs are token counts.
    private static readonly Dictionary<string, string?> s_priced = new()
    {
        ["Pricing:Providers:echo:echo-1:InputPerMillion"] = "1",
        ["Pricing:Providers:echo:echo-1:OutputPerMillion"] = "1",
    };

    private static Dictionary<string, object?> Body(string endUser = "u-1")
    {
        var body = Runs.Body("How much is left?", endUser: endUser, newWindow: true);
        body["max_tokens"] = 100;
        return body;
    }

    [Fact]
    public async Task Enforce_refuses_exactly_the_run_that_would_pass_the_end_users_budget_and_says_which_remaining_and_when()
    {
        using var app = new PortageApp(settings: s_priced);
        var cost = (await app.RunAsync(Body("u-probe"))).Terminal.Json.GetProperty("usage").GetProperty("cost_microcents").GetInt64();
        var estimate = await app.EstimateAsync(Body("u-probe"));
        Assert.True(cost > 0 && estimate >= cost, $"cost {cost}, estimate {estimate}");

        var budget = (2 * cost) + estimate - 1;
        await app.PatchSandboxAsync(app.SandboxId, new { limits = new { end_user_budget_microcents = budget, budget_period = "day", gate_mode = "enforce" } });

        var first = await app.RunAsync(Body());
        var second = await app.RunAsync(Body());
        var (status, error, detail) = await app.RunErrorAsync(Body());

        Assert.Equal(budget - cost, first.Terminal.Json.GetProperty("budget_remaining_microcents").GetInt64());
        Assert.Equal(budget - (2 * cost), second.Terminal.Json.GetProperty("budget_remaining_microcents").GetInt64());
        Assert.Equal((402, "budget_exceeded"), (status, error));
        Assert.Contains("End user 'u-1''s budget", detail, StringComparison.Ordinal);
        Assert.Contains($"{budget - (2 * cost)} remaining", detail, StringComparison.Ordinal);
        Assert.Contains("resets at", detail, StringComparison.Ordinal);
        Assert.True((await app.RunAsync(Body("u-2"))).Finished, "another end user has a budget of their own");
    }

    [Fact]
    public async Task Settlement_equals_the_cost_on_agent_finish_and_releases_the_rest()
    {
        using var app = new PortageApp(settings: s_priced);
        await app.PatchSandboxAsync(app.SandboxId, new { limits = new { budget_microcents = 1_000_000, budget_period = "total" } });

        var run = await app.RunAsync(Body());

        var cost = run.Terminal.Json.GetProperty("usage").GetProperty("cost_microcents").GetInt64();
        var ledger = await app.Get<ISpendStore>().ReadLedgerAsync(app.SandboxId, "", "total", default);
        Assert.Equal(new LedgerRow("", "total", cost, 0), ledger);
        Assert.Equal(1_000_000 - cost, run.Terminal.Json.GetProperty("budget_remaining_microcents").GetInt64());
    }

    [Fact]
    public async Task Shadow_lets_a_run_over_budget_go_and_records_what_it_would_have_refused()
    {
        using var app = new PortageApp(settings: s_priced);
        await app.PatchSandboxAsync(app.SandboxId, new { limits = new { budget_microcents = 0, gate_mode = "shadow" } });

        var run = await app.RunAsync(Body());

        Assert.True(run.Finished);
        var denial = Assert.Single((await app.DenialsAsync()).EnumerateArray());
        Assert.False(denial.GetProperty("denied").GetBoolean());
        Assert.Equal(("shadow", "sandbox", "month"), (denial.GetProperty("gate_mode").GetString(), denial.GetProperty("budget").GetString(), denial.GetProperty("period").GetString()));
        Assert.Equal(run.RunId, denial.GetProperty("run_id").GetString());
    }

    [Fact]
    public async Task An_end_users_own_limits_override_the_sandboxs_and_gate_mode_off_lets_everything_go()
    {
        using var app = new PortageApp(settings: s_priced);
        await app.PatchSandboxAsync(app.SandboxId, new { limits = new { end_user_budget_microcents = 1_000_000 } });
        using (var put = await app.Client.PutAsJsonAsync($"/api/v1/storage/sandboxes/{app.SandboxId}/end-users/u-tight/limits", new { budget_microcents = 0, budget_period = "total" }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        Assert.Equal((402, "budget_exceeded"), await app.RunStatusAsync(Body("u-tight")));
        Assert.True((await app.RunAsync(Body("u-other"))).Finished);
        Assert.Equal(0, (await app.Client.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{app.SandboxId}/end-users/u-tight/limits")).GetProperty("budget_microcents").GetInt64());

        await app.PatchSandboxAsync(app.SandboxId, new { limits = new { gate_mode = "off" } });
        Assert.True((await app.RunAsync(Body("u-tight"))).Finished);
    }

    [Fact]
    public async Task A_response_that_records_nothing_is_still_held_to_its_end_users_own_budget()
    {
        using var app = new PortageApp(settings: s_priced);
        using (var put = await app.Client.PutAsJsonAsync($"/api/v1/storage/sandboxes/{app.SandboxId}/end-users/u-tight/limits", new { budget_microcents = 0, budget_period = "total" }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using var client = app.Client;
        using var tight = await client.PostAsJsonAsync("/v1/responses", new { model = "echo", user = "u-tight", input = "Hi", store = false });
        using var other = await client.PostAsJsonAsync("/v1/responses", new { model = "echo", user = "u-other", input = "Hi", store = false });

        Assert.Equal(HttpStatusCode.PaymentRequired, tight.StatusCode);
        Assert.Equal("budget_exceeded", (await tight.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task An_openai_gateway_call_without_user_counts_against_the_sandbox_budget()
    {
        using var app = new PortageApp(settings: s_priced);
        await app.PatchSandboxAsync(app.SandboxId, new { limits = new { budget_microcents = 1_000_000, budget_period = "total" } });
        var chat = new { model = "echo", messages = new[] { new { role = "user", content = "hi" } } };

        using (var answered = await app.Client.PostAsJsonAsync("/v1/chat/completions", chat))
        {
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            var cost = (await answered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("usage").GetProperty("prompt_tokens").GetInt64();
            var ledger = await app.Get<ISpendStore>().ReadLedgerAsync(app.SandboxId, "", "total", default);
            Assert.Equal(0, ledger.Reserved);
            Assert.True(ledger.Spent > cost, $"spent {ledger.Spent}: input and output at 1 microcent a token");
        }

        await app.PatchSandboxAsync(app.SandboxId, new { limits = new { budget_microcents = 0 } });
        using var refused = await app.Client.PostAsJsonAsync("/v1/chat/completions", chat);
        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        Assert.Contains("budget_exceeded", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sixty_four_parallel_runs_of_one_end_user_never_spend_past_the_budget()
    {
        using var app = new PortageApp(settings: s_priced);
        var estimate = await app.EstimateAsync(Body("u-probe"));
        var budget = 10 * estimate;
        await app.PatchSandboxAsync(app.SandboxId, new { limits = new { end_user_budget_microcents = budget, budget_period = "total" } });

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            using var client = app.Client;
            using var response = await SseFrames.StartRunAsync(client, app.RunPath(), Body());
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (Status: (int)response.StatusCode, Cost: 0L);
            }

            var frames = new List<SseFrame>();
            await foreach (var frame in SseFrames.ReadAsync(await response.Content.ReadAsStreamAsync()))
            {
                frames.Add(frame);
            }

            return (Status: 200, Cost: frames.Terminal().Json.GetProperty("usage").GetProperty("cost_microcents").GetInt64());
        })));

        var spent = results.Sum(r => r.Cost);
        Assert.All(results, r => Assert.Contains(r.Status, new[] { 200, 402 }));
        Assert.True(results.Count(r => r.Status == 200) >= 10, "every run the budget can hold at its estimate goes");
        Assert.Contains(results, r => r.Status == 402);
        Assert.True(spent <= budget, $"spent {spent} of {budget}");
        Assert.Equal(new LedgerRow("u-1", "total", spent, 0), await app.Get<ISpendStore>().ReadLedgerAsync(app.SandboxId, "u-1", "total", default));
    }
}

internal static class BudgetKit
{
    /// <summary>What a run of <paramref name="body"/> reserves: a budget of 0 refuses it and records its estimate.</summary>
    public static async Task<long> EstimateAsync(this PortageApp app, Dictionary<string, object?> body)
    {
        var endUser = (string)body["end_user_id"]!;
        using (var put = await app.Client.PutAsJsonAsync($"/api/v1/storage/sandboxes/{app.SandboxId}/end-users/{endUser}/limits", new { budget_microcents = 0 }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        Assert.Equal((402, "budget_exceeded"), await app.RunStatusAsync(body));
        var denial = (await app.DenialsAsync(endUser)).EnumerateArray().First();
        using (var clear = await app.Client.PutAsJsonAsync($"/api/v1/storage/sandboxes/{app.SandboxId}/end-users/{endUser}/limits", new { }))
        {
            Assert.Equal(HttpStatusCode.OK, clear.StatusCode);
        }

        return denial.GetProperty("needed_microcents").GetInt64();
    }

    public static async Task<(int Status, string Error)> RunStatusAsync(this PortageApp app, Dictionary<string, object?> body)
    {
        var (status, error, _) = await app.RunErrorAsync(body);
        return (status, error);
    }

    public static async Task<JsonElement> DenialsAsync(this PortageApp app, string? endUser = null) =>
        (await app.Client.GetFromJsonAsync<JsonElement>($"/api/v1/storage/sandboxes/{app.SandboxId}/budget-denials" + (endUser is null ? "" : $"?end_user_id={endUser}")))
            .GetProperty("denials");
}

/// <summary>GET /api/v1/usage/balance (copass-compat §7.6), mapped from the sandbox budget.</summary>
public sealed class BalanceTests
{
    private static readonly Dictionary<string, string?> s_priced = new()
    {
        ["Pricing:Providers:echo:echo-1:InputPerMillion"] = "1",
        ["Pricing:Providers:echo:echo-1:OutputPerMillion"] = "1",
    };

    [Fact]
    public async Task Balance_maps_the_sandbox_budget_to_the_contracts_fields()
    {
        using var app = new PortageApp(settings: s_priced);
        await app.PatchSandboxAsync(app.SandboxId, new { limits = new { budget_microcents = 100_000, budget_period = "day" } });
        var cost = (await app.RunAsync(Runs.Body("hi"))).Terminal.Json.GetProperty("usage").GetProperty("cost_microcents").GetInt64();

        var balance = await app.Client.GetFromJsonAsync<JsonElement>("/api/v1/usage/balance");

        Assert.Equal(100_000, balance.GetProperty("credits_purchased").GetInt64());
        Assert.Equal(cost, balance.GetProperty("credits_used").GetInt64());
        Assert.Equal(100_000 - cost, balance.GetProperty("credits_remaining").GetInt64());
        Assert.Equal("usd_microcents", balance.GetProperty("currency").GetString());
        Assert.Equal(("day", app.SandboxId), (balance.GetProperty("period").GetString(), balance.GetProperty("sandbox_id").GetString()));
    }

    [Fact]
    public async Task Without_a_budget_the_balance_is_unmetered_and_used_is_this_months_cost()
    {
        using var app = new PortageApp(settings: s_priced);
        var cost = (await app.RunAsync(Runs.Body("hi"))).Terminal.Json.GetProperty("usage").GetProperty("cost_microcents").GetInt64();

        var balance = await app.Client.GetFromJsonAsync<JsonElement>($"/api/v1/usage/balance?sandbox_id={app.SandboxId}");

        Assert.Equal(JsonValueKind.Null, balance.GetProperty("credits_purchased").ValueKind);
        Assert.Equal(JsonValueKind.Null, balance.GetProperty("credits_remaining").ValueKind);
        Assert.Equal(cost, balance.GetProperty("credits_used").GetInt64());
        Assert.Equal("off", balance.GetProperty("gate_mode").GetString());
    }
}
