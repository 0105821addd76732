using Portage.Core.Providers;
using Portage.Core.Tenancy;

namespace Portage.Server.Startup;

/// <summary>
/// On the very first start: creates the account, the default sandbox and a development key, prints the key once to
/// the console (never to the logs) and saves it to <c>credentials.json</c> (0600) for the CLI. Later starts say where
/// the credentials are and which providers are configured.
/// </summary>
internal sealed class FirstStart(TenancyService tenancy, ProviderRegistry providers, DataFolderInfo dataFolder, IConfiguration configuration) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var url = (configuration["urls"] ?? PortageServer.DefaultUrl).Split(';', StringSplitOptions.RemoveEmptyEntries)[0];
        var created = await tenancy.BootstrapAsync(cancellationToken);
        var credentialsPath = Path.Combine(dataFolder.Path, LocalCredentials.FileName);
        if (created is { } first)
        {
            new LocalCredentials(url, first.Key, first.SandboxId).Write(dataFolder.Path);
            Console.WriteLine($"""
                Portage: first start. Created the default sandbox {first.SandboxId} and a development API key:

                    {first.Key}

                It is shown only this once and saved to {credentialsPath} (mode 0600), where `portage chat` finds it.
                """);
        }
        else
        {
            // The CLI connects to credentials.json's api_url: keep it pointing at where this start listens.
            if (LocalCredentials.TryRead(dataFolder.Path) is { } existing && existing.ApiUrl != url)
            {
                (existing with { ApiUrl = url }).Write(dataFolder.Path);
            }

            Console.WriteLine($"Portage: data in {dataFolder.Path}; credentials in {credentialsPath}.");
        }

        var ready = providers.All.Where(p => p.Configured).Select(p => p.Name).Order(StringComparer.Ordinal);
        var missing = providers.All.Where(p => !p.Configured).OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"{p.Name} (set {p.Needs})");
        Console.WriteLine($"Portage: providers: {string.Join(", ", ready)}. Listening on {url}.");
        if (missing.Any())
        {
            Console.WriteLine($"Portage: not configured: {string.Join("; ", missing)}.");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
