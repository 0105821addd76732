using Microsoft.Extensions.Logging.Abstractions;
using Portage.Core.Signals;
using Portage.Core.Tenancy;

namespace Portage.Core.Tests;

public sealed class SandboxCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly SandboxRecord Sandbox = new("sb_1", "acct_1", "owner", "default", "free", "active", null, Now.AddDays(-1));

    [Fact]
    public void A_remembered_sandbox_and_end_user_limits_are_found_until_their_lifetime_ends()
    {
        using var cache = new SandboxCache(new InProcessRunSignals(), NullLogger<SandboxCache>.Instance);

        cache.RememberSandbox(Sandbox, Now, cache.Changes);
        cache.RememberLimits("sb_1", "user_1", null, Now, cache.Changes);

        var almost = Now + SandboxCache.Lifetime - TimeSpan.FromMilliseconds(1);
        Assert.Equal(Sandbox, cache.FindSandbox("sb_1", almost));
        Assert.True(cache.TryFindLimits("sb_1", "user_1", almost, out var limits));
        Assert.Null(limits);
        Assert.Null(cache.FindSandbox("sb_1", Now + SandboxCache.Lifetime));
        Assert.False(cache.TryFindLimits("sb_1", "user_1", Now + SandboxCache.Lifetime, out _));
        Assert.False(cache.TryFindLimits("sb_1", "user_2", Now, out _));
    }

    [Fact]
    public async Task A_change_drops_the_sandbox_and_its_end_users_limits_here_and_tells_the_other_replicas()
    {
        var signals = new InProcessRunSignals();
        var told = new List<RunSignal>();
        using var subscription = signals.Subscribe(told.Add);
        using var cache = new SandboxCache(signals, NullLogger<SandboxCache>.Instance);
        cache.RememberSandbox(Sandbox, Now, cache.Changes);
        cache.RememberSandbox(Sandbox with { Id = "sb_2" }, Now, cache.Changes);
        cache.RememberLimits("sb_1", "user_1", """{"monthly_microcents":5}""", Now, cache.Changes);
        cache.RememberAnyLimits("sb_1", false, Now, cache.Changes);
        cache.RememberSharedContent("sb_1", true, Now, cache.Changes);
        Assert.True(cache.TryFindAnyLimits("sb_1", Now, out var any));
        Assert.False(any);

        await cache.ChangedAsync("sb_1");

        Assert.Null(cache.FindSandbox("sb_1", Now));
        Assert.False(cache.TryFindLimits("sb_1", "user_1", Now, out _));
        Assert.False(cache.TryFindAnyLimits("sb_1", Now, out _));
        Assert.False(cache.TryFindSharedContent("sb_1", Now, out _));
        Assert.NotNull(cache.FindSandbox("sb_2", Now));
        Assert.Equal([RunSignal.SandboxChanged("sb_1")], told);
    }

    [Fact]
    public async Task A_change_signal_from_another_replica_drops_the_sandbox_at_once()
    {
        var signals = new InProcessRunSignals();
        using var cache = new SandboxCache(signals, NullLogger<SandboxCache>.Instance);
        cache.RememberSandbox(Sandbox, Now, cache.Changes);

        await signals.PublishAsync(RunSignal.SandboxChanged("sb_1"), CancellationToken.None);

        Assert.Null(cache.FindSandbox("sb_1", Now));
    }

    [Fact]
    public async Task A_row_read_before_a_change_that_arrived_during_the_read_is_not_kept()
    {
        using var cache = new SandboxCache(new InProcessRunSignals(), NullLogger<SandboxCache>.Instance);
        var before = cache.Changes;

        await cache.ChangedAsync("sb_1");
        cache.RememberSandbox(Sandbox, Now, before);
        cache.RememberLimits("sb_1", "user_1", null, Now, before);

        Assert.Null(cache.FindSandbox("sb_1", Now));
        Assert.False(cache.TryFindLimits("sb_1", "user_1", Now, out _));
    }
}
