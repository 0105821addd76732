using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Portage.Server.Tests.Durability;
using Portage.Testing;

namespace Portage.Server.Tests.Readme;

/// <summary>
/// Runs the README's blocks as a reader does, against a live router, without rebuilding anything:
/// <list type="bullet">
/// <item>The README's first command, <c>dotnet run --project src/Portage.Server</c>, is done by the harness: the
/// built Portage.Server.dll (what that command runs) on a free loopback port, Development environment (the
/// launchSettings profile), data folder <c>&lt;root&gt;/.portage</c>.</item>
/// <item><c>&lt;root&gt;</c>, the blocks' working directory, is laid out like the repository root: a link to each of
/// the repository's top-level entries (so <c>tests/fixtures/corpus</c> is there), minus its own <c>.portage</c> and
/// build output.</item>
/// <item>A <c>dotnet</c> on PATH maps <c>dotnet run --project src/Portage.Cli -- ARGS</c> to the built
/// <c>portage.dll ARGS</c>, which finds the key, sandbox and URL in <c>./.portage/credentials.json</c> like a
/// reader's; any other <c>dotnet</c> command fails, naming the block (a block that starts another router or builds
/// must be skip-marked).</item>
/// <item>A <c>curl</c> shell function sends what a block addresses to <c>http://127.0.0.1:5757</c> (the default
/// port, which a test cannot own) to the live router instead, and adds <c>--fail-with-body</c>: an HTTP error fails
/// the block.</item>
/// <item>All blocks run in one bash (<c>set -euo pipefail</c>), in README order, so variables carry over as in one
/// terminal; each block's standard input is its typed lines (or nothing), its output goes to a file of its own.</item>
/// </list>
/// </summary>
internal sealed class ReadmeSession : IDisposable
{
    private const string DefaultUrl = "http://127.0.0.1:5757";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portage-readme", Guid.NewGuid().ToString("n"));
    private ServerProcess? _server;

    public ReadmeSession(ReadmeDocument readme)
    {
        Readme = readme;
        Root = Path.Combine(_folder, "repo");
        Directory.CreateDirectory(Root);
        var repository = ReadmeDocument.RepositoryRoot();
        string[] excluded = [".portage", "artifacts", ".git", "bin", "obj", "TestResults"];
        foreach (var entry in Directory.EnumerateFileSystemEntries(repository).Where(e => !excluded.Contains(Path.GetFileName(e))))
        {
            var link = Path.Combine(Root, Path.GetFileName(entry));
            if (Directory.Exists(entry))
            {
                Directory.CreateSymbolicLink(link, entry);
            }
            else
            {
                File.CreateSymbolicLink(link, entry);
            }
        }
    }

    public ReadmeDocument Readme { get; }

    /// <summary>The working directory of the blocks, laid out like the repository root.</summary>
    public string Root { get; }

    public string Url => _server?.Url ?? throw new InvalidOperationException("Not started.");

    public async Task StartRouterAsync(CancellationToken ct)
    {
        _server = ServerProcess.Start(Path.Combine(Root, ".portage"), "--environment", "Development");
        await _server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60), ct);
    }

    /// <summary>Runs <paramref name="blocks"/> in one bash; returns each block's output (standard output and error).</summary>
    public async Task<IReadOnlyDictionary<Fence, string>> RunAsync(IReadOnlyList<Fence> blocks, CancellationToken ct)
    {
        var bin = Directory.CreateDirectory(Path.Combine(_folder, "bin")).FullName;
        var output = Directory.CreateDirectory(Path.Combine(_folder, "out")).FullName;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        WriteDotnetShim(Path.Combine(bin, "dotnet"), dotnet, BuiltCli());

        var script = new StringBuilder();
        script.Append("set -euo pipefail\n");
        script.Append($"export PATH={Quote(bin)}:\"$PATH\"\n");
        script.Append($"curl() {{ local a=() x; for x in \"$@\"; do a+=(\"${{x//{DefaultUrl.Replace("/", "\\/", StringComparison.Ordinal)}/{Url.Replace("/", "\\/", StringComparison.Ordinal)}}}\"); done; command curl --fail-with-body \"${{a[@]}}\"; }}\n");
        for (var i = 0; i < blocks.Count; i++)
        {
            var block = blocks[i];
            var input = Path.Combine(output, $"{i}.in");
            await File.WriteAllTextAsync(input, string.Concat(block.TypedLines.Select(l => l + "\n")), ct);
            script.Append($"echo {i} > {Quote(Path.Combine(output, "current"))}\n");
            script.Append("{\n");
            if (block.IsShell)
            {
                script.Append(block.Text);
            }
            else
            {
                var dll = CSharpSnippet.Compile(block, Path.Combine(_folder, "snippets", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                script.Append($"{Quote(dotnet)} {Quote(dll)}\n");
            }

            script.Append($"}} < {Quote(input)} > {Quote(Path.Combine(output, $"{i}.out"))} 2>&1\n");
        }

        script.Append("echo done > ").Append(Quote(Path.Combine(output, "current"))).Append('\n');
        var scriptPath = Path.Combine(_folder, "readme.sh");
        await File.WriteAllTextAsync(scriptPath, script.ToString(), ct);

        var info = new ProcessStartInfo("bash") { WorkingDirectory = Root, UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(scriptPath);
        foreach (var variable in PortageApp.ProviderEnvironment.Concat(["PORTAGE_DATA", "PORTAGE_URL", "PORTAGE_API_KEY", "PORTAGE_SANDBOX_ID", "ASPNETCORE_URLS"]))
        {
            info.Environment.Remove(variable);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            // A bound, not a timing assertion: a block that hangs (a chat waiting for input) must not hang the suite.
            limit.CancelAfter(TimeSpan.FromMinutes(5));
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        var outputs = new Dictionary<Fence, string>();
        for (var i = 0; i < blocks.Count; i++)
        {
            var file = Path.Combine(output, $"{i}.out");
            outputs[blocks[i]] = File.Exists(file) ? await File.ReadAllTextAsync(file, ct) : string.Empty;
        }

        var current = (await File.ReadAllTextAsync(Path.Combine(output, "current"), ct)).Trim();
        if (process.ExitCode != 0 || current != "done")
        {
            var failed = int.TryParse(current, out var index) ? blocks[index] : null;
            Assert.Fail($"{failed?.ToString() ?? "the README script"} failed (bash exit {process.ExitCode}):\n" +
                $"{(failed is null ? string.Empty : outputs[failed])}\n{await stdout}{await stderr}\n--- router ---\n{_server?.Output}");
        }

        return outputs;
    }

    /// <summary>
    /// Each expected line must match a line of <paramref name="output"/>, in order; <c>…</c> stands for anything.
    /// Returns the first expected line that was not found, or null.
    /// </summary>
    public static string? FirstMissingLine(IEnumerable<string> expected, string output)
    {
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r', ' ')).ToList();
        var at = 0;
        foreach (var line in expected)
        {
            var pattern = new Regex("^" + string.Join(".*", line.TrimEnd().Split('…').Select(Regex.Escape)) + "$", RegexOptions.None, TimeSpan.FromSeconds(1));
            var found = lines.FindIndex(at, l => pattern.IsMatch(l));
            if (found < 0)
            {
                return line;
            }

            at = found + 1;
        }

        return null;
    }

    public void Dispose()
    {
        _server?.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the router; the OS cleans the temp folder.
        }
    }

    private static void WriteDotnetShim(string path, string dotnet, string cli)
    {
        File.WriteAllText(path, $$"""
            #!/usr/bin/env bash
            # The README test's stand-in for dotnet (tests/Portage.Server.Tests/Readme/ReadmeSession.cs): runs the built CLI.
            if [ "${1:-} ${2:-} ${3:-}" = "run --project src/Portage.Cli" ]; then
              shift 3; [ "${1:-}" = "--" ] && shift
              exec {{Quote(dotnet)}} {{Quote(cli)}} "$@"
            fi
            echo "README test: 'dotnet $*' is not run here (the router is already up, nothing is rebuilt): mark its block <!-- readme-test: skip (reason) -->" >&2
            exit 97
            """.Replace("\r", string.Empty, StringComparison.Ordinal) + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    // The CLI beside this test assembly's build output: artifacts/bin/Portage.Cli/<same pivot>/portage.dll.
    private static string BuiltCli()
    {
        var pivot = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        var dll = Path.Combine(ReadmeDocument.RepositoryRoot(), "artifacts", "bin", "Portage.Cli", pivot, "portage.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"The CLI is not built at {dll}; run `dotnet build`.", dll);
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
