using Portage.Core.Tenancy;

namespace Portage.Core.Tests;

/// <summary>The data folder's lock: routers share it; <c>keys create --local</c> takes it alone, or not at all.</summary>
public sealed class DataFolderLockTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portage-tests", "lock-" + Guid.NewGuid().ToString("n"));

    [Fact]
    public void Routers_share_the_lock_and_an_exclusive_taker_waits_until_the_last_one_lets_go()
    {
        using var first = DataFolderLock.TryShared(_folder);
        var second = DataFolderLock.TryShared(_folder);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(DataFolderLock.TryExclusive(_folder));
        second.Dispose();
        Assert.Null(DataFolderLock.TryExclusive(_folder));
        first.Dispose();
        using var alone = DataFolderLock.TryExclusive(_folder);
        Assert.NotNull(alone);
    }

    [Fact]
    public void No_router_gets_the_lock_while_it_is_held_alone()
    {
        using (var alone = DataFolderLock.TryExclusive(_folder))
        {
            Assert.NotNull(alone);
            Assert.Null(DataFolderLock.TryShared(_folder));
            Assert.Null(DataFolderLock.TryExclusive(_folder));
        }

        using var router = DataFolderLock.TryShared(_folder);
        Assert.NotNull(router);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
