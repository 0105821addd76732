using System.Diagnostics;
using Portage.Testing;

namespace Portage.Server.Tests.Deployment;

/// <summary>
/// The Dockerfile's build stage played outside a container, once per test class: its <c>COPY</c> instructions from
/// the repository (through <c>.dockerignore</c>) into a folder standing for the image's file system, then its
/// <c>RUN</c> commands exactly as written, absolute paths (<c>/app</c>) mapped into that folder. Publishing in a copy
/// keeps its <c>artifacts/</c> apart from the test build's own.
/// </summary>
public sealed class DockerBuildEmulation : IAsyncLifetime
{
    private static readonly TimeSpan s_commandLimit = TimeSpan.FromMinutes(15);

    public DockerBuildEmulation()
    {
        Repository = FindRepository();
        Stages = Dockerfile.Parse(File.ReadAllText(Path.Combine(Repository, "Dockerfile")));
        Ignore = DockerIgnore.Parse(File.ReadAllText(Path.Combine(Repository, ".dockerignore")));
        Root = Path.Combine(Path.GetTempPath(), "portage-docker", Guid.NewGuid().ToString("n"));
    }

    public string Repository { get; }

    internal IReadOnlyList<Stage> Stages { get; }

    internal DockerIgnore Ignore { get; }

    /// <summary>The folder standing for <c>/</c> of the build stage and of the final image.</summary>
    public string Root { get; }

    /// <summary>Each <c>RUN</c> of the build stage as run, with its exit code and output.</summary>
    public List<(string Command, int Exit, string Output)> Runs { get; } = [];

    internal Stage Build => Stages[0];

    internal Stage Final => Stages[^1];

    /// <summary>An absolute path of the image, inside <see cref="Root"/>.</summary>
    public string Map(string imagePath) => Path.Combine(Root, imagePath.TrimStart('/'));

    public async Task InitializeAsync()
    {
        var workdir = "/";
        foreach (var instruction in Build.Instructions)
        {
            switch (instruction.Keyword)
            {
                case "WORKDIR":
                    workdir = instruction.Arguments.StartsWith('/') ? instruction.Arguments : $"{workdir.TrimEnd('/')}/{instruction.Arguments}";
                    Directory.CreateDirectory(Map(workdir));
                    break;
                case "COPY":
                    Copy(instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries), Map(workdir));
                    break;
                case "RUN":
                    var result = await RunAsync(instruction.Arguments, Map(workdir));
                    Runs.Add(result);
                    if (result.Exit != 0)
                    {
                        return; // the tests report it
                    }

                    break;
                default:
                    throw new InvalidOperationException($"The emulation does not know {instruction.Keyword} in the build stage.");
            }
        }
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A process still holding a file: the temp folder is cleaned up later.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Task.CompletedTask;
    }

    // COPY a b … dest: a folder's contents go into dest, a file into dest/ (dest ends with '/' or several sources).
    private void Copy(string[] words, string workdir)
    {
        if (words.Any(w => w.StartsWith("--", StringComparison.Ordinal) || w.Contains('*', StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"The emulation copies plain paths only: COPY {string.Join(' ', words)}");
        }

        var destination = Path.Combine(workdir, words[^1]);
        foreach (var source in words[..^1])
        {
            var from = Path.Combine(Repository, source);
            if (Directory.Exists(from))
            {
                CopyFolder(from, source.TrimEnd('/'), destination);
            }
            else if (!Ignore.Excludes(source))
            {
                var target = words[^1].EndsWith('/') || words.Length > 2 ? Path.Combine(destination, Path.GetFileName(source)) : destination;
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(from, target, overwrite: true);
            }
        }
    }

    private void CopyFolder(string from, string relative, string destination)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var inFolder = Path.GetRelativePath(from, file).Replace('\\', '/');
            if (Ignore.Excludes($"{relative}/{inFolder}"))
            {
                continue;
            }

            var target = Path.Combine(destination, inFolder);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    // A shell-form RUN of plain words (no quotes, no shell syntax): run as written, absolute paths mapped.
    private async Task<(string Command, int Exit, string Output)> RunAsync(string command, string workdir)
    {
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Any(w => w.IndexOfAny(['"', '\'', '$', '&', '|', ';', '>', '<']) >= 0))
        {
            throw new InvalidOperationException($"The emulation runs plain commands only: RUN {command}");
        }

        // A Release publish is minutes of CPU beside tests that count 5xx under load: it runs at the lowest priority,
        // its compiler in its own process tree (not a shared compiler server at normal priority), with no nodes left behind.
        var nice = File.Exists("/usr/bin/nice");
        var info = new ProcessStartInfo(nice ? "/usr/bin/nice" : words[0] == "dotnet" ? DotnetHost() : words[0])
        {
            WorkingDirectory = workdir,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (nice)
        {
            info.ArgumentList.Add("-n19");
            info.ArgumentList.Add(words[0] == "dotnet" ? DotnetHost() : words[0]);
        }

        foreach (var word in words[1..])
        {
            info.ArgumentList.Add(word.StartsWith('/') ? Map(word) : word);
        }

        // The test host runs under MSBuild's own variables; a child build must find its SDK as on a clean machine.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["UseSharedCompilation"] = "false";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = new Process { StartInfo = info };
        var output = ProcessOutput.Capture(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = new CancellationTokenSource(s_commandLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (command, -1, $"still running after {s_commandLimit.TotalMinutes} minutes\n{output}");
        }

        return (command, process.ExitCode, output.ToString());
    }

    internal static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>The repository root (the folder holding Portage.slnx) above the test assembly.</summary>
    public static string FindRepository()
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
