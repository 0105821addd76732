using Portage.Core.Tenancy;
using Portage.Server.Startup;

namespace Portage.Server;

/// <summary>
/// <c>portage keys create --local</c>: the way back for the machine's owner who lost <c>credentials.json</c>. Works on
/// the data folder's store directly (SQLite there, or the PostgreSQL database the same settings name), never through
/// the API, which needs the lost key; and only while no router uses the folder.
/// </summary>
public static class LocalKeys
{
    /// <summary>
    /// Mints an admin key for the account first start made (making it, as first start would, when there is none) and
    /// writes it, with that account's default sandbox, to the data folder's <c>credentials.json</c> (0600).
    /// </summary>
    /// <param name="args">The router's own arguments (<c>--Portage:DataFolder=</c>, <c>--contentRoot</c>, settings), read as the router reads them.</param>
    /// <param name="name">The key's name.</param>
    /// <param name="url">The <c>api_url</c> to write; null keeps the one in <c>credentials.json</c>, else the router's configured address.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The credentials written and the file they were written to.</returns>
    /// <exception cref="StartupException">A router holds the data folder, or the store cannot be used.</exception>
    public static async Task<(LocalCredentials Credentials, string Path)> CreateAsync(string[] args, string name, string? url, CancellationToken cancellationToken)
    {
        await using var app = PortageServer.Build(args);
        var dataFolder = app.Services.GetRequiredService<DataFolderInfo>().Path;
        using var held = DataFolderLock.TryExclusive(dataFolder) ?? throw new StartupException(
            $"A Portage router is running on the data folder {dataFolder} (it holds {DataFolderLock.FileName}).",
            "Stop it and run this again; or, with an admin key, make a key through it: portage keys create NAME --scope admin.");

        // The one start step the store needs: PostgreSQL is connected to and migrated, with the router's messages.
        foreach (var storage in app.Services.GetServices<IHostedService>().OfType<StorageStartup>())
        {
            await storage.StartAsync(cancellationToken);
        }

        var (key, sandboxId) = await app.Services.GetRequiredService<TenancyService>().CreateLocalAdminKeyAsync(name, cancellationToken);
        var apiUrl = url
            ?? LocalCredentials.TryRead(dataFolder)?.ApiUrl
            ?? FirstStart.ClientUrl((app.Configuration["urls"] ?? PortageServer.DefaultUrl).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? PortageServer.DefaultUrl);
        var credentials = new LocalCredentials(apiUrl, key, sandboxId);
        credentials.Write(dataFolder);
        return (credentials, Path.Combine(dataFolder, LocalCredentials.FileName));
    }
}
