using Portage.Core.Tenancy;

namespace Portage.Core.Tests;

public sealed class ApiKeysTests
{
    [Fact]
    public void Hash_is_the_lowercase_hex_sha256_of_the_key()
    {
        // FIPS 180-2 test vector for "abc".
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiKeys.Hash("abc"));
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ApiKeys.Hash(""));
    }

    [Fact]
    public void Hash_of_a_minted_key_is_64_hex_characters_and_not_the_key()
    {
        var key = ApiKeys.Mint();

        var hash = ApiKeys.Hash(key);

        Assert.Matches("^[0-9a-f]{64}$", hash);
        Assert.DoesNotContain(key, hash, StringComparison.Ordinal);
        Assert.Equal(hash, ApiKeys.Hash(key));
    }

    [Fact]
    public void Minted_keys_start_with_ptg_and_are_url_safe()
    {
        var key = ApiKeys.Mint();

        Assert.StartsWith(ApiKeys.Prefix, key, StringComparison.Ordinal);
        Assert.Equal("ptg_", ApiKeys.Prefix);
        Assert.Matches("^ptg_[A-Za-z0-9_-]{43}$", key);
    }

    [Fact]
    public void Minted_keys_are_unique()
    {
        var keys = Enumerable.Range(0, 1000).Select(_ => ApiKeys.Mint()).ToList();

        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Visible_prefix_is_the_first_twelve_characters()
    {
        Assert.Equal("ptg_abcdefgh", ApiKeys.VisiblePrefix("ptg_abcdefghijklmnop"));
        Assert.Equal("ptg_ab", ApiKeys.VisiblePrefix("ptg_ab"));
    }
}
