using Portage.Client.Tests.Fakes;
using Portage.Protocol.Tenancy;

namespace Portage.Client.Tests;

/// <summary>The SDK's credit balance and end-user limit calls (issue 16).</summary>
public sealed class BalanceTests
{
    [Fact]
    public async Task Balance_reads_the_contracts_fields_and_names_the_sandbox_only_when_asked()
    {
        var handler = FakeHandler.Json(
            "{\"credits_purchased\":5000,\"credits_used\":1200,\"credits_remaining\":3700,\"currency\":\"usd_microcents\",\"sandbox_id\":\"sb_1\",\"credits_reserved\":100,\"period\":\"day\"}");
        using var router = TestRouter.Create(handler);

        var balance = await router.Client.Usage.GetBalanceAsync();
        await router.Client.Usage.GetBalanceAsync("sb_2");

        Assert.Equal((5000L, 1200L, 3700L, "usd_microcents"), (balance.CreditsPurchased, balance.CreditsUsed, balance.CreditsRemaining, balance.Currency));
        Assert.Equal(100, balance.CreditsReserved);
        Assert.Equal("/api/v1/usage/balance", handler.Requests[0].Uri.AbsolutePath);
        Assert.Equal(["", "?sandbox_id=sb_2"], handler.Requests.Select(r => r.Uri.Query));
    }

    [Fact]
    public async Task An_unmetered_balance_has_no_purchase_and_no_remainder()
    {
        using var router = TestRouter.Create(FakeHandler.Json("{\"credits_purchased\":null,\"credits_used\":42,\"credits_remaining\":null,\"currency\":\"usd_microcents\"}"));

        var balance = await router.Client.Usage.GetBalanceAsync();

        Assert.Null(balance.CreditsPurchased);
        Assert.Null(balance.CreditsRemaining);
        Assert.Equal(42, balance.CreditsUsed);
    }

    [Fact]
    public async Task End_user_limits_are_put_to_the_end_users_path()
    {
        var handler = FakeHandler.Json("{\"budget_microcents\":100,\"budget_period\":\"day\",\"requests_per_minute\":null,\"tokens_per_minute\":null}");
        using var router = TestRouter.Create(handler);

        var limits = await router.Client.Sandboxes.SetEndUserLimitsAsync("sb_1", "org:u 1", new EndUserLimits { BudgetMicrocents = 100, BudgetPeriod = "day" });

        Assert.Equal(100, limits.BudgetMicrocents);
        Assert.Equal(HttpMethod.Put, handler.Requests[0].Method);
        Assert.Equal("/api/v1/storage/sandboxes/sb_1/end-users/org%3Au%201/limits", handler.Requests[0].Uri.AbsolutePath);
        Assert.Contains("\"budget_microcents\":100", handler.Requests[0].Body, StringComparison.Ordinal);
    }
}
