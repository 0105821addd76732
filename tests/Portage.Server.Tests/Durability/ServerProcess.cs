using System.Diagnostics;
using System.Net.Http.Headers;
using Portage.Core.Tenancy;
using Portage.Testing;

namespace Portage.Server.Tests.Durability;

/// <summary>
/// The built Portage.Server.dll running as <c>dotnet Portage.Server.dll</c> on a free loopback port and a given data
/// folder, so a test can kill it for real (SIGKILL on Unix: no shutdown code runs) and start it again on the same folder.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ProcessOutput _output = new();
    private readonly string _folder;
    private LocalCredentials? _credentials;

    private ServerProcess(Process process, string url, string folder)
    {
        _process = process;
        Url = url;
        _folder = folder;
    }

    public string Url { get; }

    public LocalCredentials Credentials => _credentials ?? throw new InvalidOperationException("The server is not ready.");

    public string SandboxPath => $"/api/v1/storage/sandboxes/{Credentials.SandboxId}";

    public string RunPath => SandboxPath + "/agents/run";

    /// <summary>What the process wrote to stdout and stderr so far, for failure messages.</summary>
    public string Output => _output.ToString();

    /// <summary>Starts the server with <c>--Key=value</c> settings; call <see cref="WaitUntilReadyAsync"/> before using it.</summary>
    public static ServerProcess Start(string folder, params string[] settings)
    {
        var dll = LocateServerDll();
        var url = $"http://127.0.0.1:{LoopbackPort.Free()}";
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        foreach (var arg in new[] { dll, "--urls", url, $"--Portage:DataFolder={folder}", "--Windows:SweepIntervalSeconds=0" }.Concat(settings))
        {
            info.ArgumentList.Add(arg);
        }

        // The test host's own settings and a developer's provider keys must not leak into the child.
        foreach (var variable in PortageApp.ProviderEnvironment.Append("ASPNETCORE_URLS").Append("PORTAGE_DATA"))
        {
            info.Environment.Remove(variable);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var server = new ServerProcess(process, url, folder);
        process.OutputDataReceived += (_, e) => server._output.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server._output.Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {info.FileName} {dll}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    public async Task WaitUntilReadyAsync(TimeSpan limit, CancellationToken ct)
    {
        using var probe = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {_process.ExitCode} before it was ready.\n{Output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The server did not answer /healthz within {limit.TotalSeconds} s.\n{Output}");
            }

            try
            {
                using var response = await probe.GetAsync(new Uri("/healthz", UriKind.Relative), ct);
                if (response.IsSuccessStatusCode && LocalCredentials.TryRead(_folder) is { } credentials)
                {
                    _credentials = credentials;
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // The probe's own timeout.
            }

            await Task.Delay(50, ct);
        }
    }

    public HttpClient CreateClient()
    {
        var client = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Credentials.ApiKey);
        return client;
    }

    /// <summary>Kills the process tree at once (SIGKILL on Unix: no shutdown code runs) and waits for it to exit.</summary>
    public async Task KillAsync(CancellationToken ct)
    {
        _process.Kill(entireProcessTree: true);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(wait.Token);
        Assert.NotEqual(0, _process.ExitCode);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(30));
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }

        _process.Dispose();
    }

    // The build uses UseArtifactsOutput: <repo>/artifacts/bin/<project>/<pivot>/, where the pivot (debug, release,
    // debug_linux-x64, ...) is the same for the server as for this test assembly.
    internal static string LocateServerDll()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var pivot = testOutput.Name;
        for (var dir = testOutput; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portage.slnx")))
            {
                var dll = Path.Combine(dir.FullName, "artifacts", "bin", "Portage.Server", pivot, "Portage.Server.dll");
                return File.Exists(dll)
                    ? dll
                    : throw new FileNotFoundException($"The server is not built at {dll}; run `dotnet build Portage.slnx`.", dll);
            }
        }

        throw new DirectoryNotFoundException($"No Portage.slnx above {AppContext.BaseDirectory}.");
    }
}
