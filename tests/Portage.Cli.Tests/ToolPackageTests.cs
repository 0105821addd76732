using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Portage.Core.Tenancy;
using Portage.Testing;

namespace Portage.Cli.Tests;

/// <summary>
/// Issue 11, item 6: there is a <c>portage</c> command. The CLI packs as a .NET tool, installs from the local package
/// (no network: the only source is the folder it was packed to), and the installed <c>portage serve</c> runs the router
/// from its own folder as <c>dotnet run</c> does for a local user: settings found, console signed in from loopback.
/// </summary>
public sealed class ToolPackageTests : IDisposable
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(120);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "portage-cli-tests", "tool-" + Guid.NewGuid().ToString("n"));

    [Fact]
    public async Task The_packed_tool_installs_from_its_package_and_portage_serve_runs_the_router_with_the_console_signed_in()
    {
        var packages = Directory.CreateDirectory(Path.Combine(_root, "nupkg")).FullName;
        var tools = Path.Combine(_root, "tools");
        await File.WriteAllTextAsync(Path.Combine(_root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{packages}" />
              </packageSources>
            </configuration>
            """);

        // The built project is packed as it is (--no-build): building again here would race the other tests' binaries.
        var pack = await RunAsync(Dotnet, Repository, "pack", Path.Combine("src", "Portage.Cli"), "--no-build", "-c", Configuration, "-o", packages);
        Assert.True(pack.Exit == 0, pack.Output);
        var install = await RunAsync(Dotnet, _root, "tool", "install", "--tool-path", tools, "--configfile", Path.Combine(_root, "nuget.config"), "Portage.Cli");
        Assert.True(install.Exit == 0, install.Output);
        var portage = Path.Combine(tools, OperatingSystem.IsWindows() ? "portage.exe" : "portage");
        var help = await RunAsync(portage, _root, "--help");
        Assert.True(help.Exit == 0, help.Output);
        Assert.Contains("serve", help.Output, StringComparison.Ordinal);

        var data = Path.Combine(_root, "data");
        var url = $"http://127.0.0.1:{LoopbackPort.Free()}";
        var serve = Start(portage, _root, new Dictionary<string, string> { ["PORTAGE_DATA"] = data }, "serve", "--url", url);
        using var serving = serve.Process;
        try
        {
            await WaitUntilHealthyAsync(url, data, serve.Process, serve.Output);
            using var http = new HttpClient();
            using var bootstrap = await http.GetAsync(new Uri(url + "/console/bootstrap"));
            var body = await bootstrap.Content.ReadAsStringAsync();

            Assert.True(bootstrap.StatusCode == HttpStatusCode.OK, body);
            Assert.Equal(LocalCredentials.TryRead(data)!.ApiKey, JsonDocument.Parse(body).RootElement.GetProperty("api_key").GetString());
        }
        finally
        {
            serve.Process.Kill(entireProcessTree: true);
            await serve.Process.WaitForExitAsync();
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the OS to clean up with the temp folder.
        }
    }

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    // artifacts/bin/Portage.Cli.Tests/<pivot>/: the pivot says which configuration was built (debug, release, ...).
    private static string Configuration =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name.StartsWith("release", StringComparison.Ordinal) ? "Release" : "Debug";

    private static string Repository
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Portage.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new DirectoryNotFoundException($"No Portage.slnx above {AppContext.BaseDirectory}.");
        }
    }

    private async Task<(int Exit, string Output)> RunAsync(string file, string workingDirectory, params string[] args)
    {
        var started = Start(file, workingDirectory, null, args);
        using var process = started.Process;
        using var timeout = new CancellationTokenSource(s_limit);
        try
        {
            await started.Process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            started.Process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish within {s_limit.TotalSeconds} s:\n{started.Output}");
        }

        started.Process.WaitForExit();
        return (started.Process.ExitCode, $"{file} {string.Join(' ', args)}:\n{started.Output}");
    }

    // The tool's own home, package cache and runtime: nothing is read from or written to the user's.
    private (Process Process, ProcessOutput Output) Start(string file, string workingDirectory, IDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var variable in new[] { "ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "PORTAGE_URL", "PORTAGE_API_KEY", "PORTAGE_SANDBOX_ID" })
        {
            info.Environment.Remove(variable);
        }

        info.Environment["DOTNET_CLI_HOME"] = Path.Combine(_root, "home");
        info.Environment["NUGET_PACKAGES"] = Path.Combine(_root, "packages");
        info.Environment["DOTNET_ROOT"] = DotnetRoot();
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info };
        var output = ProcessOutput.Capture(process);
        Assert.True(process.Start(), $"could not start {file}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    // The installed apphost finds the runtime through DOTNET_ROOT: the folder of the dotnet running these tests.
    private static string DotnetRoot()
    {
        var host = Dotnet;
        if (!Path.IsPathRooted(host))
        {
            host = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
                .Select(dir => Path.Combine(dir, host))
                .FirstOrDefault(File.Exists) ?? throw new FileNotFoundException("dotnet is not on PATH.");
        }

        var file = new FileInfo(host);
        return Path.GetDirectoryName(file.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? file.FullName)!;
    }

    private static async Task WaitUntilHealthyAsync(string url, string data, Process serve, ProcessOutput output)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + s_limit;
        while (true)
        {
            Assert.False(serve.HasExited, $"portage serve stopped:\n{output}");
            Assert.True(DateTime.UtcNow < deadline, $"portage serve did not answer /healthz:\n{output}");
            try
            {
                using var response = await http.GetAsync(new Uri(url + "/healthz"));
                if (response.StatusCode == HttpStatusCode.OK && LocalCredentials.TryRead(data) is not null)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }
    }
}
