using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portage.Server.Tests.Tenancy;
using Portage.Testing;

namespace Portage.Server.Tests.Limits;

/// <summary>
/// Issue 16, rate limits: runs and tokens a minute per sandbox, per end user and per API key, in fixed UTC minutes on the
/// router's clock; over a limit, 429 <c>rate_limited</c> with a <c>Retry-After</c> until the next minute.
/// </summary>
public sealed class RateLimitTests
{
    // 40 s into a minute: the next one starts in 20 s.
    private static readonly DateTimeOffset s_start = new(2026, 3, 14, 9, 26, 40, TimeSpan.Zero);

    private static PortageApp App(FakeTimeProvider clock) => new(services: s => s.AddSingleton<TimeProvider>(clock));

    [Fact]
    public async Task An_end_user_over_their_runs_a_minute_gets_429_with_retry_after_until_the_next_minute()
    {
        var clock = new FakeTimeProvider(s_start);
        using var app = App(clock);
        await app.PatchSandboxAsync(app.SandboxId, new { limits = new { end_user_requests_per_minute = 2 } });
        Assert.True((await app.RunAsync(Runs.Body("one"))).Finished);
        Assert.True((await app.RunAsync(Runs.Body("two"))).Finished);

        using var refused = await app.Client.PostAsJsonAsync(app.RunPath(), Runs.Body("three"));

        var (status, error, detail) = await Runs.ErrorOf(refused);
        Assert.Equal((429, "rate_limited"), (status, error));
        Assert.Equal("20", refused.Headers.GetValues("Retry-After").Single());
        Assert.Contains("End user 'u-123''s limit of 2 runs a minute", detail, StringComparison.Ordinal);
        Assert.True((await app.RunAsync(Runs.Body("someone else", endUser: "u-9"))).Finished);

        clock.Advance(TimeSpan.FromSeconds(19));
        Assert.Equal((429, "rate_limited"), await app.RunStatusAsync(Runs.Body("still this minute")));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await app.RunAsync(Runs.Body("next minute"))).Finished);
    }

    [Fact]
    public async Task A_keys_own_runs_a_minute_count_its_runs_across_end_users()
    {
        var clock = new FakeTimeProvider(s_start);
        using var app = App(clock);
        using var created = await app.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "throttled", requests_per_minute = 1 });
        var key = await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(1, key.GetProperty("requests_per_minute").GetInt32());
        using var throttled = app.ClientWith(key);

        Assert.True((await app.RunAsync(Runs.Body("one", endUser: "u-1"), throttled)).Finished);
        var (status, error, detail) = await app.RunErrorAsync(Runs.Body("two", endUser: "u-2"), throttled);

        Assert.Equal((429, "rate_limited"), (status, error));
        Assert.Contains("This API key's limit of 1 runs a minute", detail, StringComparison.Ordinal);
        Assert.True((await app.RunAsync(Runs.Body("the development key has no limit", endUser: "u-2"))).Finished);
    }

    [Fact]
    public async Task A_minute_whose_tokens_reached_the_sandboxs_limit_admits_no_more_runs()
    {
        var clock = new FakeTimeProvider(s_start);
        using var app = App(clock);
        await app.PatchSandboxAsync(app.SandboxId, new { limits = new { tokens_per_minute = 10 } });
        var first = await app.RunAsync(Runs.Body("a question long enough to use more than ten tokens in and out"));
        Assert.True(first.Finished);

        using var refused = await app.Client.PostAsJsonAsync(app.RunPath(), Runs.Body("again"));

        var (status, error, detail) = await Runs.ErrorOf(refused);
        Assert.Equal((429, "rate_limited"), (status, error));
        Assert.Contains("The sandbox's limit of 10 tokens a minute", detail, StringComparison.Ordinal);
        Assert.Equal("20", refused.Headers.GetValues("Retry-After").Single());
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True((await app.RunAsync(Runs.Body("a new minute"))).Finished);
    }
}
