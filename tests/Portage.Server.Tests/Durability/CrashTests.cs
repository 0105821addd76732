using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Portage.Core.Tenancy;
using Portage.Testing;

namespace Portage.Server.Tests.Durability;

/// <summary>
/// Rules 7 and 10 against a real crash: the built server runs as a child process, is killed (SIGKILL on Linux) in the
/// middle of a streamed turn, and is started again on the same data folder.
/// </summary>
public sealed class CrashTests : IDisposable
{
    private static readonly TimeSpan s_testTimeout = TimeSpan.FromSeconds(180);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portage-tests", "crash-" + Guid.NewGuid().ToString("n"));
    private readonly List<ServerProcess> _servers = [];

    [Fact]
    public async Task Server_killed_mid_stream_keeps_committed_turns_marks_the_cut_turn_interrupted_and_continues_the_window()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        var ct = timeout.Token;

        // First life: one committed exchange, then a turn cut off by a kill after its first delta.
        var first = await StartServerAsync(ct);
        string windowId, firstAnswer, cutRunId;
        using (var http = first.CreateClient())
        {
            var committed = await SseFrames.RunAsync(http, first.RunPath, Runs.Body("What are my open GitHub issues?"), ct);
            Assert.Equal("agent_finish", committed.Terminal().Event);
            windowId = committed[0].Json.GetProperty("context_window_id").GetString()!;
            firstAnswer = committed.Text();

            using var response = await SseFrames.StartRunAsync(http, first.RunPath, Runs.Body("Which ones are blocked?"), ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var stream = await response.Content.ReadAsStreamAsync(ct);
            var seen = new List<SseFrame>();
            await foreach (var frame in SseFrames.ReadAsync(stream, ct))
            {
                seen.Add(frame);
                if (frame.Event == "agent_text_delta")
                {
                    break;
                }
            }

            Assert.Equal(["run_started", "agent_text_delta"], seen.Where(f => f.Event != ":").Select(f => f.Event));
            Assert.Equal(windowId, seen[0].Json.GetProperty("context_window_id").GetString());
            cutRunId = seen[0].Json.GetProperty("run_id").GetString()!;

            await first.KillAsync(ct);
        }

        // Second life on the same data folder.
        var second = await StartServerAsync(ct);
        Assert.Equal((first.Credentials.ApiKey, first.Credentials.SandboxId), (second.Credentials.ApiKey, second.Credentials.SandboxId));
        using var client = second.CreateClient();

        var turns = (await client.GetFromJsonAsync<JsonElement>(
            $"/api/v1/storage/sandboxes/{second.Credentials.SandboxId}/sources/{windowId}/turns", ct)).GetProperty("turns");
        var rows = turns.EnumerateArray().Select(t => (
            Role: t.GetProperty("role").GetString(),
            Status: t.GetProperty("status").GetString(),
            Text: t.GetProperty("text").GetString(),
            RunId: t.GetProperty("run_id").GetString())).ToList();
        Assert.Equal(4, rows.Count);
        Assert.Equal(("user", "succeeded", "What are my open GitHub issues?"), (rows[0].Role, rows[0].Status, rows[0].Text));
        Assert.Equal(("assistant", "succeeded", firstAnswer), (rows[1].Role, rows[1].Status, rows[1].Text));
        Assert.Equal(("user", "Which ones are blocked?", cutRunId), (rows[2].Role, rows[2].Text, rows[2].RunId));
        Assert.Equal(("assistant", "interrupted", cutRunId), (rows[3].Role, rows[3].Status, rows[3].RunId));

        // The end user's next run continues the same window (its lease was released) and still remembers turn 1.
        var next = await SseFrames.RunAsync(client, second.RunPath, Runs.Body("Draft a comment on the top one."), ct);
        Assert.Equal("run_started", next[0].Event);
        Assert.Equal(windowId, next[0].Json.GetProperty("context_window_id").GetString());
        Assert.Equal("agent_finish", next.Terminal().Event);
        Assert.Contains($"My previous answer was: \"{firstAnswer}\"", next.Text(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up with the temp folder.
        }
    }

    private async Task<ServerProcess> StartServerAsync(CancellationToken ct)
    {
        var server = ServerProcess.Start(_folder);
        _servers.Add(server);
        await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60), ct);
        return server;
    }

    /// <summary>The built Portage.Server.dll running as <c>dotnet Portage.Server.dll</c> on a free loopback port.</summary>
    private sealed class ServerProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
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

        public string RunPath => $"/api/v1/storage/sandboxes/{Credentials.SandboxId}/agents/run";

        public static ServerProcess Start(string folder)
        {
            var dll = LocateServerDll();
            var url = $"http://127.0.0.1:{FreePort()}";
            var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
            {
                WorkingDirectory = Path.GetDirectoryName(dll)!,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = false,
            };
            foreach (var arg in new[] { dll, "--urls", url, $"--Portage:DataFolder={folder}", "--Echo:DelayMilliseconds=300", "--Windows:SweepIntervalSeconds=0" })
            {
                info.ArgumentList.Add(arg);
            }

            // The test host's own settings must not leak into the child.
            info.Environment.Remove("ASPNETCORE_URLS");
            info.Environment.Remove("PORTAGE_DATA");

            var process = new Process { StartInfo = info, EnableRaisingEvents = true };
            var server = new ServerProcess(process, url, folder);
            process.OutputDataReceived += (_, e) => server.Append(e.Data);
            process.ErrorDataReceived += (_, e) => server.Append(e.Data);
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

                await Task.Delay(100, ct);
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

        private string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        // The build uses UseArtifactsOutput: <repo>/artifacts/bin/<project>/<pivot>/, where the pivot (debug, release,
        // debug_linux-x64, ...) is the same for the server as for this test assembly.
        private static string LocateServerDll()
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
}
