using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Portage.Core.Providers;
using Portage.Core.Tenancy;
using Portage.Core.Tools;

namespace Portage.Testing;

/// <summary>
/// The real router, in process, on a fresh data folder (deleted on dispose). Extra providers and settings are given at
/// construction; <see cref="Client"/> carries the development key created at first start.
/// </summary>
public sealed class PortageApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly List<ProviderDefinition> _providers;
    private readonly List<AIFunction> _tools;
    private readonly Action<IServiceCollection>? _services;
    private readonly bool _ownsFolder;
    private readonly Lock _creatingClients = new();

    public PortageApp(
        IEnumerable<ProviderDefinition>? providers = null,
        IDictionary<string, string?>? settings = null,
        string? dataFolder = null,
        IEnumerable<AIFunction>? tools = null,
        Action<IServiceCollection>? services = null)
    {
        _services = services;
        _ownsFolder = dataFolder is null;
        DataFolderPath = dataFolder ?? Path.Combine(Path.GetTempPath(), "portage-tests", Guid.NewGuid().ToString("n"));
        _providers = providers?.ToList() ?? [];
        _tools = tools?.ToList() ?? [];
        _settings = new Dictionary<string, string?>
        {
            ["Portage:DataFolder"] = DataFolderPath,
            ["Echo:DelayMilliseconds"] = "0",
            ["Windows:SweepIntervalSeconds"] = "0",
        };

        // A developer's real keys must never reach a test: every provider starts unconfigured unless the test says so.
        foreach (var variable in ProviderEnvironment)
        {
            _settings[variable] = "";
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    /// <summary>Environment variables the providers read; blanked in every test host unless a test sets them.</summary>
    public static IReadOnlyList<string> ProviderEnvironment { get; } =
    [
        "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "GEMINI_API_KEY", "GOOGLE_API_KEY", "GEMINI_BASE_URL",
        "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION", "GOOGLE_ACCESS_TOKEN", "VERTEX_BASE_URL",
        "OPENAI_API_KEY", "OPENAI_BASE_URL",
    ];

    /// <summary>The data folder of this instance.</summary>
    public string DataFolderPath { get; }

    /// <summary>The development credentials written at first start.</summary>
    public LocalCredentials Credentials
    {
        get
        {
            StartServer(); // starts the host (test server or Kestrel), which writes the credentials
            return LocalCredentials.TryRead(DataFolderPath) ?? throw new InvalidOperationException("The server wrote no credentials.json.");
        }
    }

    /// <summary>The default sandbox.</summary>
    public string SandboxId => Credentials.SandboxId;

    /// <summary>An HTTP client with the development key; safe to ask for from parallel tasks.</summary>
    public HttpClient Client
    {
        get
        {
            // WebApplicationFactory keeps every client it creates in a plain list (to dispose them): clients created from
            // parallel tasks at once could corrupt it, and disposing the app then threw a NullReferenceException.
            HttpClient client;
            lock (_creatingClients)
            {
                client = CreateClient();
            }

            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Credentials.ApiKey);
            return client;
        }
    }

    /// <summary>The run endpoint of a sandbox (the default one when null).</summary>
    public string RunPath(string? sandboxId = null) => $"/api/v1/storage/sandboxes/{sandboxId ?? SandboxId}/agents/run";

    /// <summary>A service of the running host.</summary>
    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            foreach (var provider in _providers)
            {
                services.AddSingleton(provider);
            }

            foreach (var tool in _tools)
            {
                services.AddSingleton(new PortageTool(tool));
            }

            _services?.Invoke(services);
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsFolder)
        {
            try
            {
                Directory.Delete(DataFolderPath, recursive: true);
            }
            catch (IOException)
            {
                // A pooled SQLite handle may still be closing; the temp folder is cleaned by the OS.
            }
        }
    }
}
