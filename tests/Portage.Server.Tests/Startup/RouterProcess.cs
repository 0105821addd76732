using System.Diagnostics;
using Portage.Server.Tests.Durability;
using Portage.Testing;

namespace Portage.Server.Tests.Startup;

/// <summary>
/// A router started the way a user starts it: <c>dotnet Portage.Server.dll</c> (or <c>dotnet run</c>) with the given
/// arguments and environment, stdout and stderr kept apart, so a test sees the exit code and exactly what was printed.
/// </summary>
internal sealed class RouterProcess : IDisposable
{
    private readonly Process _process;
    private readonly ProcessOutput _out = new();
    private readonly ProcessOutput _error = new();

    private RouterProcess(Process process) => _process = process;

    public string Out => _out.ToString();

    public string Error => _error.ToString();

    /// <summary>The built server: <c>dotnet Portage.Server.dll ARGS</c> with <c>PORTAGE_DATA</c> set to <paramref name="dataFolder"/>.</summary>
    public static RouterProcess StartBuilt(string dataFolder, IDictionary<string, string>? environment, params string[] args)
    {
        var dll = ServerProcess.LocateServerDll();
        return Start(Path.GetDirectoryName(dll)!, dataFolder, environment, [dll, .. args]);
    }

    /// <summary>The README's first command: <c>dotnet run --no-build --project src/Portage.Server</c>, from the repository root.</summary>
    public static RouterProcess StartWithDotnetRun(string dataFolder, IDictionary<string, string>? environment, params string[] args)
    {
        var dll = ServerProcess.LocateServerDll();
        var repository = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(dll)!, "..", "..", "..", ".."));
        var configuration = new DirectoryInfo(Path.GetDirectoryName(dll)!).Name.StartsWith("release", StringComparison.Ordinal) ? "Release" : "Debug";
        return Start(repository, dataFolder, environment,
            ["run", "--no-build", "-c", configuration, "--project", Path.Combine("src", "Portage.Server"), .. args.Length > 0 ? ["--", .. args] : Array.Empty<string>()]);
    }

    /// <summary>Waits for the process to end by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The router did not exit within {limit.TotalSeconds} s.\nstdout:\n{Out}\nstderr:\n{Error}");
        }

        _process.WaitForExit(); // the output handlers have seen the last line
        return _process.ExitCode;
    }

    /// <summary>Waits until stdout has a line matching <paramref name="predicate"/> and returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (Out.Split('\n').FirstOrDefault(predicate) is { } line)
            {
                return line.TrimEnd('\r');
            }

            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                Assert.Fail($"No such line (exited: {_process.HasExited}).\nstdout:\n{Out}\nstderr:\n{Error}");
            }

            await Task.Delay(50);
        }
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
            // Already gone.
        }

        _process.Dispose();
    }

    private static RouterProcess Start(string workingDirectory, string dataFolder, IDictionary<string, string>? environment, string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
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

        // The test host's own settings and a developer's provider keys must not leak into the child.
        foreach (var variable in PortageApp.ProviderEnvironment.Concat(["ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT"]))
        {
            info.Environment.Remove(variable);
        }

        info.Environment["PORTAGE_DATA"] = dataFolder;
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info };
        var router = new RouterProcess(process);
        process.OutputDataReceived += (_, e) => router._out.Append(e.Data);
        process.ErrorDataReceived += (_, e) => router._error.Append(e.Data);
        Assert.True(process.Start(), $"could not start {info.FileName}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return router;
    }
}
