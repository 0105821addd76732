using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portage.Core.Tenancy;
using Portage.Server.Tests.Retrieval;
using Portage.Testing;
using Portage.Testing.Skipping;

namespace Portage.Server.Tests.Console;

/// <summary>
/// One headless Chromium (Debian's, never a downloaded one) for a test class; each test opens its own page, so its
/// own <c>localStorage</c>, against its own router. Without Chromium the class's tests are skipped with the reason
/// (failed where <c>PORTAGE_TEST_REQUIRE</c> lists <c>chromium</c>, as in CI).
/// </summary>
public sealed class ConsoleBrowser : IAsyncLifetime
{
    /// <summary>Names the browser binary to drive instead of Debian's <c>/usr/bin/chromium</c>.</summary>
    public const string PathVariable = "PORTAGE_TEST_CHROMIUM";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The Chromium binary to drive; throws the skip (or, where required, the failure) when it is not there.</summary>
    public static string FindChromium(string? configured, string? required = null)
    {
        var path = string.IsNullOrWhiteSpace(configured) ? "/usr/bin/chromium" : configured;
        return File.Exists(path)
            ? path
            : throw Prerequisites.Missing(Prerequisites.Chromium, $"Chromium not found at {path}; apt-get install chromium (or set {PathVariable})", required);
    }

    public async Task InitializeAsync()
    {
        var chromium = FindChromium(Environment.GetEnvironmentVariable(PathVariable));
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh page (its own browser context) at the router's root; the console signs itself in.</summary>
    public async Task<IPage> OpenAsync(string url, int width = 1280, int height = 860)
    {
        var page = await _browser!.NewPageAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        page.SetDefaultTimeout(15_000);
        await page.GotoAsync(url);
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Connected");
        return page;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>
/// The router on a real loopback port in the Development environment (so the console's bootstrap hands it the key),
/// on a fresh data folder, with an API client carrying the development key for setting the scene.
/// </summary>
internal sealed class ConsoleRouter : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataFolder;

    private ConsoleRouter(WebApplication app, string dataFolder, string url)
    {
        _app = app;
        _dataFolder = dataFolder;
        Url = url;
        Credentials = LocalCredentials.TryRead(dataFolder) ?? throw new InvalidOperationException("The router wrote no credentials.json.");
        Api = new HttpClient { BaseAddress = new Uri(url) };
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Credentials.ApiKey);
    }

    public string Url { get; }

    public LocalCredentials Credentials { get; }

    public HttpClient Api { get; }

    /// <summary>Starts a router; <paramref name="settings"/> (<c>Section:Key=value</c>) are added to its command line.</summary>
    public static async Task<ConsoleRouter> StartAsync(params string[] settings)
    {
        var dataFolder = Path.Combine(Path.GetTempPath(), "portage-tests", Guid.NewGuid().ToString("n"));
        string[] args =
        [
            "--urls", "http://127.0.0.1:0", "--environment", "Development",
            $"--Portage:DataFolder={dataFolder}", "--Echo:DelayMilliseconds=5", "--Windows:SweepIntervalSeconds=0",
            .. PortageApp.ProviderEnvironment.Select(v => $"--{v}="),
            .. settings.Select(s => "--" + s),
        ];
        var app = PortageServer.Build(args);
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ConsoleRouter(app, dataFolder, url);
    }

    /// <summary>A run over the API (not the console), to have runs, windows and usage to look at.</summary>
    public async Task<RunResult> RunAsync(string message, string endUser, string provider = "echo") =>
        new(await SseFrames.RunAsync(Api, $"/api/v1/storage/sandboxes/{Credentials.SandboxId}/agents/run", Runs.Body(message, endUser, provider)));

    public Task IngestAsync(params (string Path, string Text)[] files) => Knowledge.IngestAsync(Api, Credentials.SandboxId, files);

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_dataFolder, recursive: true);
        }
        catch (IOException)
        {
            // A pooled SQLite handle may still be closing; the temp folder is cleaned by the OS.
        }
    }
}
