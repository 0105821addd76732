using Portage.Core.Signals;
using Portage.Core.Tenancy;

namespace Portage.Core.Tests;

public sealed class ApiKeyCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly ApiKeyRecord Key = new("key_1", "acct_1", "backend", "ptg_abc", "hash_1", Now.AddDays(-1), null);

    [Fact]
    public void A_remembered_key_is_found_until_its_lifetime_ends()
    {
        using var cache = new ApiKeyCache(new InProcessRunSignals());

        cache.Remember("hash_1", Key, Now, cache.Revocations);

        Assert.Equal(Key, cache.Find("hash_1", Now + ApiKeyCache.Lifetime - TimeSpan.FromMilliseconds(1)));
        Assert.Null(cache.Find("hash_1", Now + ApiKeyCache.Lifetime));
        Assert.Null(cache.Find("hash_2", Now));
    }

    [Fact]
    public async Task A_revocation_signal_from_any_replica_drops_the_key_at_once()
    {
        var signals = new InProcessRunSignals();
        using var cache = new ApiKeyCache(signals);
        cache.Remember("hash_1", Key, Now, cache.Revocations);

        await signals.PublishAsync(RunSignal.KeyRevoked("key_1"), CancellationToken.None);

        Assert.Null(cache.Find("hash_1", Now));
    }

    [Fact]
    public void A_key_read_before_a_revocation_that_arrived_during_the_read_is_not_kept()
    {
        using var cache = new ApiKeyCache(new InProcessRunSignals());
        var before = cache.Revocations;

        cache.Drop("key_1");
        cache.Remember("hash_1", Key, Now, before);

        Assert.Null(cache.Find("hash_1", Now));
    }

    [Fact]
    public void A_recorded_use_is_remembered_so_the_next_request_does_not_record_it_again()
    {
        using var cache = new ApiKeyCache(new InProcessRunSignals());
        cache.Remember("hash_1", Key, Now, cache.Revocations);

        cache.Touched("hash_1", Now);

        Assert.Equal(Now, cache.Find("hash_1", Now)?.LastUsedAt);
    }
}
