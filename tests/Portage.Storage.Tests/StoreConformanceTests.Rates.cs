using Portage.Core.Limits;

namespace Portage.Storage.Tests;

// Issue 16, rate limits: per scope and minute, the check and the count are one statement, so concurrent runs on any
// replica never pass a limit; tokens reached close the minute; a new minute starts from zero.
public abstract partial class StoreConformanceTests
{
    private const string Minute0 = "2025-03-14T09:26";
    private const string Minute1 = "2025-03-14T09:27";

    [Fact]
    public async Task Concurrent_admissions_count_no_more_runs_than_the_limit_and_refuse_as_a_whole()
    {
        await SeedTenantsAsync();
        var sandbox = new RateLine($"sb:{SandboxA}", "sandbox", SandboxA, 100, null);
        var user = new RateLine($"eu:{SandboxA}:{UserA}", "end_user", SandboxA, 7, null);

        var refusals = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => Rates.AdmitAsync([sandbox, user], Minute0, None))));

        Assert.Equal(7, refusals.Count(r => r is null));
        Assert.All(refusals.Where(r => r is not null), r => Assert.Equal("end_user", r!.Line.Name));
        Assert.Equal(new RateCount(7, 0), await Rates.ReadRateAsync(user.Scope, Minute0, None));
        Assert.Equal(new RateCount(7, 0), await Rates.ReadRateAsync(sandbox.Scope, Minute0, None));
    }

    [Fact]
    public async Task Tokens_that_reach_the_limit_close_the_minute_and_the_next_minute_starts_afresh()
    {
        await SeedTenantsAsync();
        var key = new RateLine("key:key_a", "api_key", null, null, 1_000);
        Assert.Null(await Rates.AdmitAsync([key], Minute0, None));
        await Rates.AddTokensAsync([key], Minute0, 1_000, None);

        var refused = await Rates.AdmitAsync([key], Minute0, None);

        Assert.Equal(new RateCount(1, 1_000), refused?.Count);
        Assert.Null(await Rates.AdmitAsync([key], Minute1, None));
        Assert.Equal(new RateCount(1, 0), await Rates.ReadRateAsync(key.Scope, Minute1, None));
        Assert.Equal(new RateCount(0, 0), await Rates.ReadRateAsync(key.Scope, Minute0, None));
    }
}
