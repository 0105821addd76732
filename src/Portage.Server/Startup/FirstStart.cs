using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Portage.Core.Providers;
using Portage.Core.Tenancy;

namespace Portage.Server.Startup;

/// <summary>
/// Once the server listens (never before: a start that cannot bind its address must leave nothing behind, and the
/// address written is the one really bound, the real port for port 0 included): on the very first start creates the
/// account, the default sandbox and a development key, prints the key once to the console (never to the logs) and
/// saves it to <c>credentials.json</c> (0600) for the CLI. Later starts say where the credentials are (or how to make
/// new ones when the file is gone) and which providers are configured.
/// </summary>
internal sealed class FirstStart(TenancyService tenancy, ProviderRegistry providers, DataFolderInfo dataFolder, IConfiguration configuration, IServer server,
    StartLogGate logGate)
    : IHostedLifecycleService
{
    /// <summary>How a user who lost the development key gets a new one.</summary>
    public const string LostKeyHelp = "Lost the key? Stop the router, run `portage keys create --local` and start it again.";

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var addresses = ListeningAddresses();
        var url = ClientUrl(addresses[0]);
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
        else if (LocalCredentials.TryRead(dataFolder.Path) is { } existing)
        {
            // The CLI connects to credentials.json's api_url: keep it pointing at where this start listens.
            if (existing.ApiUrl != url)
            {
                (existing with { ApiUrl = url }).Write(dataFolder.Path);
            }

            Console.WriteLine($"Portage: data in {dataFolder.Path}; credentials in {credentialsPath}.");
        }
        else
        {
            Console.WriteLine($"Portage: data in {dataFolder.Path}; there is no {LocalCredentials.FileName} with a key. {LostKeyHelp}");
        }

        var ready = providers.All.Where(p => p.Configured).Select(p => p.Name).Order(StringComparer.Ordinal);
        var missing = providers.All.Where(p => !p.Configured).OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"{p.Name} (set {p.Needs})");
        Console.WriteLine($"Portage: providers: {string.Join(", ", ready)}. Listening on {string.Join(", ", addresses)}.");
        if (missing.Any())
        {
            Console.WriteLine($"Portage: not configured: {string.Join("; ", missing)}.");
        }

        logGate.Open();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Kestrel replaces the configured addresses with the bound ones (port 0 becomes the real port); a test server binds
    // none, and then the configured address stands.
    private List<string> ListeningAddresses()
    {
        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        if (bound.Count > 0)
        {
            return bound;
        }

        var configured = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return configured.Length > 0 ? [.. configured] : [PortageServer.DefaultUrl];
    }

    // A router listening on every interface is reached from this machine through loopback.
    internal static string ClientUrl(string address)
    {
        if (!Uri.TryCreate(address.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal),
                UriKind.Absolute, out var uri))
        {
            return address;
        }

        return uri.Host is "0.0.0.0" or "[::]" ? new UriBuilder(uri) { Host = "127.0.0.1" }.Uri.GetLeftPart(UriPartial.Authority) : address.TrimEnd('/');
    }
}
