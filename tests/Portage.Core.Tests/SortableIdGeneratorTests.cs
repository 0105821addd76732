using Microsoft.Extensions.Time.Testing;
using Portage.Core.Tenancy;

namespace Portage.Core.Tests;

public sealed class SortableIdGeneratorTests
{
    [Fact]
    public void Ids_keep_the_prefix_and_twenty_url_safe_characters()
    {
        var ids = new SortableIdGenerator(new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero)));

        var id = ids.NewId("run");

        Assert.Matches("^run_[a-z2-7]{20}$", id);
    }

    [Fact]
    public void An_id_minted_later_sorts_after_an_earlier_one_whatever_its_random_part()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        var ids = new SortableIdGenerator(time);
        var minted = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            minted.Add(ids.NewId("run"));
            time.Advance(TimeSpan.FromMilliseconds(i % 3 == 0 ? 1 : 997));
        }

        Assert.Equal(minted, minted.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Ids_minted_in_the_same_millisecond_differ()
    {
        var ids = new SortableIdGenerator(new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero)));

        var minted = Enumerable.Range(0, 10_000).Select(_ => ids.NewId("sess")).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(10_000, minted.Count);
    }
}
