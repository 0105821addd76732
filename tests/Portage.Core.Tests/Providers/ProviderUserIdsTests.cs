using Portage.Core.Providers;

namespace Portage.Core.Tests.Providers;

public sealed class ProviderUserIdsTests
{
    [Fact]
    public void The_end_user_is_scoped_by_its_sandbox_with_copass_style_prefixes()
    {
        Assert.Equal("s_sb_a:u_u-123", ProviderUserIds.For("sb_a", "u-123"));
        Assert.Equal("s_sb_a:u_acme:alice@example.com", ProviderUserIds.For("sb_a", "acme:alice@example.com"));
        Assert.NotEqual(ProviderUserIds.For("sb_a", "u-123"), ProviderUserIds.For("sb_b", "u-123"));
    }

    [Fact]
    public void An_id_that_would_be_too_long_names_the_end_user_by_a_hash_and_stays_distinct()
    {
        var sandbox = "sb_" + new string('x', 20);
        var longUser = new string('a', 128);

        var id = ProviderUserIds.For(sandbox, longUser);

        Assert.Equal($"s_{sandbox}:h_", id[..(sandbox.Length + 5)]);
        Assert.Equal(sandbox.Length + 5 + 32, id.Length);
        Assert.True(id.Length <= ProviderUserIds.MaxLength);
        Assert.Equal(id, ProviderUserIds.For(sandbox, longUser));
        Assert.NotEqual(id, ProviderUserIds.For(sandbox, new string('a', 127) + "b"));
        Assert.True(ProviderUserIds.For(sandbox, new string('a', 100)).Length <= ProviderUserIds.MaxLength);
    }
}
