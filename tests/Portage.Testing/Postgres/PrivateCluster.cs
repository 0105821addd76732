using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Portage.Testing.Postgres;

/// <summary>
/// A throwaway PostgreSQL cluster for one test process: <c>initdb</c> into <c>/tmp/portage-pg-&lt;pid&gt;</c>, a server on
/// 127.0.0.1 at a free port (its unix socket in the same folder), durability off for speed, stopped and deleted by a
/// watchdog once the process has ended. initdb refuses to run as root, so as root every command runs as the
/// <c>postgres</c> user the Debian package creates. A cluster whose watchdog failed is removed by the next start.
/// </summary>
internal static class PrivateCluster
{
    private const string FolderPrefix = "portage-pg-";
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The connection string of a database the tests own, or why there is none.</summary>
    public static async Task<(string? ConnectionString, string? Failure)> StartAsync()
    {
        var bin = FindBinaries();
        if (bin is null)
        {
            return (null, "initdb not found in /usr/lib/postgresql/*/bin or on PATH");
        }

        var runAs = RunAsPrefix();
        if (runAs is null)
        {
            return (null, "running as root and there is no 'postgres' user to run initdb as");
        }

        RemoveAbandonedClusters(bin, runAs);
        var folder = Path.Combine(Path.GetTempPath(), FolderPrefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var data = Path.Combine(folder, "data");
        if (Directory.Exists(folder))
        {
            // Left by an earlier process with the same id.
            Stop(bin, runAs, folder);
        }

        try
        {
            Run(runAs, "mkdir", "-p", folder);
            Run(runAs, Path.Combine(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
            var port = LoopbackPort.Free();
            Run(runAs, Path.Combine(bin, "pg_ctl"), "-D", data, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "-o",
                $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
                "start");
            Watch(bin, runAs, folder);

            var admin = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=false";
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand("CREATE DATABASE portage_test", connection);
                await create.ExecuteNonQueryAsync();
            }

            return ($"Host=127.0.0.1;Port={port};Username=postgres;Database=portage_test", null);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or NpgsqlException or System.ComponentModel.Win32Exception)
        {
            Stop(bin, runAs, folder);
            return (null, ex.Message);
        }
    }

    // The test host is often killed right after the last result is sent, too soon for an exit handler to stop a server.
    // A detached watchdog (its own session, so killing the host's process tree spares it) waits for this process to end,
    // then stops the cluster and deletes its folder.
    private static void Watch(string bin, string[] runAs, string folder)
    {
        const string Script =
            "pid=$1; pg_ctl=$2; data=$3; folder=$4; shift 4; " +
            "while kill -0 \"$pid\" 2>/dev/null; do sleep 1; done; " +
            "\"$@\" \"$pg_ctl\" -D \"$data\" -m immediate -w stop >/dev/null 2>&1; rm -rf \"$folder\"";
        var start = new ProcessStartInfo(File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : "/bin/sh") { UseShellExecute = false };
        string[] args = [.. (start.FileName == "/bin/sh" ? [] : new[] { "-f", "/bin/sh" }), "-c", Script, "portage-pg-watchdog",
            Environment.ProcessId.ToString(CultureInfo.InvariantCulture), Path.Combine(bin, "pg_ctl"), Path.Combine(folder, "data"), folder, .. runAs];
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var watchdog = Process.Start(start) ?? throw new InvalidOperationException("Could not start the cluster's watchdog.");
    }

    private static void Stop(string bin, string[] runAs, string folder)
    {
        var data = Path.Combine(folder, "data");
        if (File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            TryRun(runAs, Path.Combine(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop");
        }

        // The server's last processes may still be writing as they exit: a few tries, then it is left for the next
        // start's clean-up (or the OS's /tmp clean-up).
        for (var attempt = 0; attempt < 5 && Directory.Exists(folder); attempt++)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(100);
            }
        }
    }

    // Clusters of test processes that no longer run (killed before their exit handler ran).
    private static void RemoveAbandonedClusters(string bin, string[] runAs)
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            if (int.TryParse(Path.GetFileName(folder)[FolderPrefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !IsRunning(pid))
            {
                Stop(bin, runAs, folder);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    // The newest /usr/lib/postgresql/<version>/bin (Debian's layout), else the folder of an initdb on PATH.
    private static string? FindBinaries()
    {
        const string Debian = "/usr/lib/postgresql";
        var versions = Directory.Exists(Debian)
            ? Directory.EnumerateDirectories(Debian)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(d => File.Exists(Path.Combine(d.Dir, "initdb")))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Dir)
            : [];
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
        return versions.Concat(onPath).FirstOrDefault();
    }

    // Nothing to prefix for a normal user; as root, runuser to postgres (null when that user is missing).
    private static string[]? RunAsPrefix()
    {
        if (Environment.UserName != "root")
        {
            return [];
        }

        return File.ReadLines("/etc/passwd").Any(line => line.StartsWith("postgres:", StringComparison.Ordinal)) ? ["runuser", "-u", "postgres", "--"] : null;
    }

    private static void TryRun(string[] runAs, string file, params string[] args)
    {
        try
        {
            Run(runAs, file, args);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Stopping is best effort: the cluster may already be gone.
        }
    }

    private static void Run(string[] runAs, string file, params string[] args)
    {
        var command = runAs.Concat([file, .. args]).ToList();
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The postgres user may not be allowed into the current directory.
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        // initdb takes its messages' language and the cluster's defaults from the environment; keep both predictable.
        start.Environment["LC_ALL"] = "C.UTF-8";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(s_commandTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path.GetFileName(file)} did not finish within {s_commandTimeout.TotalSeconds} s.");
        }

        if (process.ExitCode != 0)
        {
            var output = (stderr.Result + stdout.Result).Trim();
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed (exit {process.ExitCode}): {output[Math.Max(0, output.Length - 400)..]}");
        }
    }
}
