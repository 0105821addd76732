using Portage.Core.Tenancy;
using Portage.Protocol.Tenancy;

namespace Portage.Storage.Tests;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task No_account_exists_until_the_first_is_created()
    {
        Assert.False(await Tenancy.AnyAccountAsync(None));

        await Tenancy.CreateAccountAsync(AccountA, T0, SandboxRecordA, KeyA, None);

        Assert.True(await Tenancy.AnyAccountAsync(None));
    }

    [Fact]
    public async Task The_first_account_is_the_oldest_and_none_before_any_exists()
    {
        Assert.Null(await Tenancy.FirstAccountIdAsync(None));

        await Tenancy.CreateAccountAsync(AccountB, T0.AddMinutes(1), SandboxRecordB, KeyB, None);
        await Tenancy.CreateAccountAsync(AccountA, T0, SandboxRecordA, KeyA, None);

        Assert.Equal(AccountA, await Tenancy.FirstAccountIdAsync(None));
    }

    [Fact]
    public async Task Creating_an_account_stores_its_first_sandbox_and_key()
    {
        await SeedTenantsAsync();

        AssertSameSandboxes([SandboxRecordA], [await Tenancy.GetSandboxAsync(AccountA, SandboxA, None)]);
        Assert.Equal([KeyA], await Tenancy.ListApiKeysAsync(AccountA, None));
        Assert.Equal([KeyB], await Tenancy.ListApiKeysAsync(AccountB, None));
    }

    [Fact]
    public async Task Key_is_found_by_its_hash_with_every_field()
    {
        await SeedTenantsAsync();
        var key = new ApiKeyRecord("key_a2", AccountA, "ci", "ptg_cccccccc", Hash('c'), T0.AddHours(1), T0.AddDays(90));
        await Tenancy.CreateApiKeyAsync(key, None);

        Assert.Equal(key, await Tenancy.FindApiKeyByHashAsync(Hash('c'), None));
        Assert.Equal(KeyB, await Tenancy.FindApiKeyByHashAsync(KeyB.KeyHash, None));
    }

    [Fact]
    public async Task Unknown_hash_finds_no_key()
    {
        await SeedTenantsAsync();

        Assert.Null(await Tenancy.FindApiKeyByHashAsync(Hash('f'), None));
    }

    [Fact]
    public async Task Revoked_key_is_not_found_by_its_hash()
    {
        await SeedTenantsAsync();

        await Tenancy.CreateApiKeyAsync(RunsKeyA, None);

        var revoked = await Tenancy.RevokeApiKeyAsync(AccountA, RunsKeyA.Id, T0.AddHours(2), None);

        Assert.Equal(new ApiKeyRevocation(ApiKeyRevocationOutcome.Revoked, RunsKeyA with { RevokedAt = T0.AddHours(2) }), revoked);
        Assert.Null(await Tenancy.FindApiKeyByHashAsync(RunsKeyA.KeyHash, None));
    }

    [Fact]
    public async Task Revoking_a_key_twice_finds_no_key_the_second_time()
    {
        await SeedTenantsAsync();
        await Tenancy.CreateApiKeyAsync(RunsKeyA, None);
        await Tenancy.RevokeApiKeyAsync(AccountA, RunsKeyA.Id, T0.AddHours(2), None);

        Assert.Equal(new ApiKeyRevocation(ApiKeyRevocationOutcome.NotFound), await Tenancy.RevokeApiKeyAsync(AccountA, RunsKeyA.Id, T0.AddHours(3), None));
    }

    [Fact]
    public async Task Revoking_another_accounts_key_finds_no_key_and_leaves_it_valid()
    {
        await SeedTenantsAsync();

        Assert.Equal(new ApiKeyRevocation(ApiKeyRevocationOutcome.NotFound), await Tenancy.RevokeApiKeyAsync(AccountA, KeyB.Id, T0.AddHours(2), None));
        Assert.Equal(KeyB, await Tenancy.FindApiKeyByHashAsync(KeyB.KeyHash, None));
    }

    [Fact]
    public async Task Touching_a_key_counts_its_uses_and_keeps_the_last_use_time()
    {
        await SeedTenantsAsync();

        await Tenancy.TouchApiKeyAsync(KeyA.Id, T0.AddMinutes(5), None);
        await Tenancy.TouchApiKeyAsync(KeyA.Id, T0.AddMinutes(9), None);

        var key = await Tenancy.FindApiKeyByHashAsync(KeyA.KeyHash, None);
        Assert.NotNull(key);
        Assert.Equal(2, key.UseCount);
        Assert.Equal(T0.AddMinutes(9), key.LastUsedAt);
        Assert.Equal(0, (await Tenancy.FindApiKeyByHashAsync(KeyB.KeyHash, None))!.UseCount);
    }

    [Fact]
    public async Task Listing_keys_leaves_out_revoked_ones()
    {
        await SeedTenantsAsync();
        await Tenancy.CreateApiKeyAsync(RunsKeyA, None);
        var second = new ApiKeyRecord("key_a2", AccountA, "ci", "ptg_cccccccc", Hash('c'), T0.AddHours(1), null);
        await Tenancy.CreateApiKeyAsync(second, None);

        await Tenancy.RevokeApiKeyAsync(AccountA, KeyA.Id, T0.AddHours(2), None);

        Assert.Equal([RunsKeyA, second], await Tenancy.ListApiKeysAsync(AccountA, None));
    }

    [Fact]
    public async Task A_key_keeps_its_scope_and_keys_from_before_scopes_are_admin()
    {
        await SeedTenantsAsync();
        await Tenancy.CreateApiKeyAsync(RunsKeyA, None);

        Assert.Equal(ApiKeyScopes.Runs, (await Tenancy.FindApiKeyByHashAsync(RunsKeyA.KeyHash, None))?.Scope);
        Assert.Equal([ApiKeyScopes.Admin, ApiKeyScopes.Runs], (await Tenancy.ListApiKeysAsync(AccountA, None)).Select(k => k.Scope));
    }

    [Fact]
    public async Task The_last_admin_key_of_an_account_is_not_revoked()
    {
        await SeedTenantsAsync();
        await Tenancy.CreateApiKeyAsync(RunsKeyA, None);

        var refused = await Tenancy.RevokeApiKeyAsync(AccountA, KeyA.Id, T0.AddHours(2), None);

        Assert.Equal(new ApiKeyRevocation(ApiKeyRevocationOutcome.LastAdminKey, KeyA), refused);
        Assert.Equal(KeyA, await Tenancy.FindApiKeyByHashAsync(KeyA.KeyHash, None));
    }

    [Fact]
    public async Task An_admin_key_is_revoked_while_another_unexpired_admin_key_remains()
    {
        await SeedTenantsAsync();
        var expired = new ApiKeyRecord("key_a_old", AccountA, "old", "ptg_dddddddd", Hash('d'), T0, T0.AddHours(1));
        var ops = new ApiKeyRecord("key_a_ops", AccountA, "ops", "ptg_eeeeeeee", Hash('e'), T0, T0.AddDays(1));
        await Tenancy.CreateApiKeyAsync(expired, None);

        Assert.Equal(ApiKeyRevocationOutcome.LastAdminKey, (await Tenancy.RevokeApiKeyAsync(AccountA, KeyA.Id, T0.AddHours(2), None)).Outcome);
        await Tenancy.CreateApiKeyAsync(ops, None);
        Assert.Equal(ApiKeyRevocationOutcome.Revoked, (await Tenancy.RevokeApiKeyAsync(AccountA, KeyA.Id, T0.AddHours(2), None)).Outcome);
        Assert.Equal(ApiKeyRevocationOutcome.LastAdminKey, (await Tenancy.RevokeApiKeyAsync(AccountA, ops.Id, T0.AddHours(3), None)).Outcome);
    }

    [Fact]
    public async Task Admin_keys_revoking_each_other_at_once_leave_one_of_them()
    {
        await SeedTenantsAsync();
        for (var round = 0; round < 10; round++)
        {
            var other = new ApiKeyRecord($"key_a_{round}", AccountA, "ops", "ptg_ffffffff", Hash((char)('g' + round)), T0, null);
            await Tenancy.CreateApiKeyAsync(other, None);
            var survivor = (await Tenancy.ListApiKeysAsync(AccountA, None)).Single(k => k.Id != other.Id && k.Scope == ApiKeyScopes.Admin);

            var outcomes = await Task.WhenAll(
                Task.Run(() => Tenancy.RevokeApiKeyAsync(AccountA, survivor.Id, T0.AddHours(1), None)),
                Task.Run(() => Tenancy.RevokeApiKeyAsync(AccountA, other.Id, T0.AddHours(1), None)));

            Assert.Equal([ApiKeyRevocationOutcome.Revoked, ApiKeyRevocationOutcome.LastAdminKey], outcomes.Select(o => o.Outcome).Order());
            Assert.Single(await Tenancy.ListApiKeysAsync(AccountA, None), k => k.Scope == ApiKeyScopes.Admin);
        }
    }

    [Fact]
    public async Task Sandbox_name_is_unique_per_owner()
    {
        await SeedTenantsAsync();
        var sameName = SandboxRecordA with { Id = "sb_a2", CreatedAt = T0.AddHours(1) };
        var otherOwner = SandboxRecordA with { Id = "sb_a3", OwnerId = "owner_c", CreatedAt = T0.AddHours(2) };

        Assert.False(await Tenancy.CreateSandboxAsync(sameName, None));
        Assert.True(await Tenancy.CreateSandboxAsync(otherOwner, None));
        Assert.Null(await Tenancy.GetSandboxAsync(AccountA, "sb_a2", None));
        AssertSameSandboxes([otherOwner], [await Tenancy.GetSandboxAsync(AccountA, "sb_a3", None)]);
    }

    [Fact]
    public async Task Sandbox_names_never_collide_across_accounts_even_with_the_same_owner_id()
    {
        await SeedTenantsAsync();
        var squatter = SandboxRecordB with { Id = "sb_b2", OwnerId = SandboxRecordA.OwnerId, Name = "staging", CreatedAt = T0.AddHours(1) };
        var owners = SandboxRecordA with { Id = "sb_a2", Name = "staging", CreatedAt = T0.AddHours(2) };
        var probe = SandboxRecordB with { Id = "sb_b3", OwnerId = SandboxRecordA.OwnerId, Name = SandboxRecordA.Name, CreatedAt = T0.AddHours(3) };

        Assert.True(await Tenancy.CreateSandboxAsync(squatter, None));
        Assert.True(await Tenancy.CreateSandboxAsync(owners, None));
        Assert.True(await Tenancy.CreateSandboxAsync(probe, None));
        AssertSameSandboxes([owners], [await Tenancy.GetSandboxAsync(AccountA, "sb_a2", None)]);
        Assert.False(await Tenancy.CreateSandboxAsync(owners with { Id = "sb_a4" }, None));
    }

    [Fact]
    public async Task Sandbox_of_another_account_is_answered_as_missing()
    {
        await SeedTenantsAsync();

        Assert.Null(await Tenancy.GetSandboxAsync(AccountA, SandboxB, None));
        Assert.Null(await Tenancy.GetSandboxAsync(AccountA, "sb_nope", None));
        AssertSameSandboxes([SandboxRecordB], [await Tenancy.GetSandboxAsync(AccountB, SandboxB, None)]);
    }

    [Fact]
    public async Task Listing_sandboxes_filters_by_account_and_status()
    {
        await SeedTenantsAsync();
        var suspended = SandboxRecordA with { Id = "sb_a2", Name = "old", Status = "suspended", MetadataJson = null, CreatedAt = T0.AddHours(1) };
        await Tenancy.CreateSandboxAsync(suspended, None);

        AssertSameSandboxes([SandboxRecordA, suspended], await Tenancy.ListSandboxesAsync(AccountA, null, None));
        AssertSameSandboxes([suspended], await Tenancy.ListSandboxesAsync(AccountA, "suspended", None));
        AssertSameSandboxes([SandboxRecordB], await Tenancy.ListSandboxesAsync(AccountB, null, None));
    }

    // Metadata is JSON: compared by meaning, the rest field by field.
    private static void AssertSameSandboxes(IReadOnlyList<SandboxRecord> expected, IReadOnlyList<SandboxRecord?> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var found = actual[i];
            Assert.NotNull(found);
            AssertJsonEqual(expected[i].MetadataJson, found.MetadataJson);
            Assert.Equal(expected[i], found with { MetadataJson = expected[i].MetadataJson });
        }
    }
}
