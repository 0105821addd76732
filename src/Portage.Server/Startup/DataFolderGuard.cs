using Portage.Core.Tenancy;

namespace Portage.Server.Startup;

/// <summary>
/// Holds the data folder's lock (shared with other routers) from the first step of the start to the end, so
/// <c>portage keys create --local</c> knows a router is using the folder and refuses to work behind its back.
/// </summary>
internal sealed class DataFolderGuard(DataFolderInfo dataFolder) : IHostedService, IDisposable
{
    private DataFolderLock? _lock;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _lock = DataFolderLock.TryShared(dataFolder.Path) ?? throw new StartupException(
            $"The data folder {dataFolder.Path} is in use by `portage keys create --local` (it holds {DataFolderLock.FileName}).",
            "Start the router again when that command has finished.");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _lock?.Dispose();
        _lock = null;
    }
}
