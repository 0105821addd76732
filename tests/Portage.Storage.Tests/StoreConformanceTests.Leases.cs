namespace Portage.Storage.Tests;

public abstract partial class StoreConformanceTests
{
    private static readonly TimeSpan s_lease = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Second_lease_fails_while_the_first_is_unexpired()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");

        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0 + s_lease, None));
        Assert.False(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(59), T0.AddSeconds(59) + s_lease, None));
    }

    [Fact]
    public async Task Lease_of_one_window_does_not_block_another()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");
        await CreateWindowAsync("ds_2");

        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0 + s_lease, None));
        Assert.True(await Windows.TryAcquireLeaseAsync("ds_2", "run_2", T0, T0 + s_lease, None));
    }

    [Fact]
    public async Task Expired_lease_can_be_taken_by_another_run()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");
        await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0 + s_lease, None);

        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(61), T0.AddSeconds(61) + s_lease, None));
        Assert.False(await Windows.TryAcquireLeaseAsync("ds_1", "run_3", T0.AddSeconds(62), T0.AddSeconds(62) + s_lease, None));
    }

    [Fact]
    public async Task Released_lease_can_be_taken_at_once()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");
        await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0 + s_lease, None);

        await Windows.ReleaseLeaseAsync("ds_1", "run_1", None);

        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(1), T0.AddSeconds(1) + s_lease, None));
    }

    [Fact]
    public async Task Renewed_lease_outlives_its_first_expiry()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");
        await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0 + s_lease, None);

        await Windows.RenewLeaseAsync("ds_1", "run_1", T0.AddSeconds(120), None);

        Assert.False(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(90), T0.AddSeconds(90) + s_lease, None));
        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_2", T0.AddSeconds(121), T0.AddSeconds(121) + s_lease, None));
    }

    [Fact]
    public async Task Release_by_a_run_that_does_not_hold_the_lease_does_nothing()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");
        await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0 + s_lease, None);

        await Windows.ReleaseLeaseAsync("ds_1", "run_2", None);

        Assert.False(await Windows.TryAcquireLeaseAsync("ds_1", "run_3", T0.AddSeconds(30), T0.AddSeconds(30) + s_lease, None));
    }

    [Fact]
    public async Task Renewal_by_a_run_that_does_not_hold_the_lease_does_nothing()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");
        await Windows.TryAcquireLeaseAsync("ds_1", "run_1", T0, T0 + s_lease, None);

        await Windows.RenewLeaseAsync("ds_1", "run_2", T0.AddHours(1), None);

        Assert.True(await Windows.TryAcquireLeaseAsync("ds_1", "run_3", T0.AddSeconds(61), T0.AddSeconds(61) + s_lease, None));
    }

    [Fact]
    public async Task Concurrent_acquires_let_exactly_one_run_hold_the_lease()
    {
        await SeedTenantsAsync();
        await CreateWindowAsync("ds_1");

        var attempts = Enumerable.Range(1, 8)
            .Select(i => Task.Run(() => Windows.TryAcquireLeaseAsync("ds_1", $"run_{i}", T0, T0 + s_lease, None)))
            .ToList();
        var results = await Task.WhenAll(attempts);

        Assert.Single(results, acquired => acquired);
    }
}
