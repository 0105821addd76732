using System.Diagnostics;
using System.Net;
using System.Text;
using Portage.Testing;

namespace Portage.Server.Tests.Deployment;

/// <summary>
/// Issue 11, item 7: the container recipe, checked without Docker (these machines cannot pull base images). The build
/// stage's own commands publish the router; the image's <c>ENTRYPOINT</c> is in their output; the image runs as a
/// non-root user with its data folder on a volume; and the published router, started with the image's settings,
/// passes the image's own <c>HEALTHCHECK</c> command.
/// </summary>
public sealed class DockerfileTests(DockerBuildEmulation image) : IClassFixture<DockerBuildEmulation>
{
    // What the official .NET images define (github.com/dotnet/dotnet-docker): the non-root user "app" and its UID.
    private static readonly Dictionary<string, string> s_baseImageEnvironment = new(StringComparer.Ordinal) { ["APP_UID"] = "1654" };

    [Fact]
    public void The_stages_are_the_official_sdk_and_aspnet_images_of_dotnet_10()
    {
        Assert.Equal(2, image.Stages.Count);
        Assert.Equal(("mcr.microsoft.com/dotnet/sdk:10.0", "build"), (image.Build.Image, image.Build.Name));
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", image.Final.Image);
        // Project files and build settings come before the sources, so the restore layer survives source edits.
        var instructions = image.Build.Instructions.Select(i => $"{i.Keyword} {i.Arguments}").ToList();
        var restore = instructions.FindIndex(i => i.StartsWith("RUN dotnet restore", StringComparison.Ordinal));
        var sources = instructions.IndexOf("COPY src/ src/");
        Assert.InRange(restore, 1, sources - 1);
        Assert.All(instructions[..restore].Where(i => i.StartsWith("COPY ", StringComparison.Ordinal)),
            copy => Assert.Matches(@"^COPY ((global\.json|Directory\.\w+\.props|\.editorconfig) )+\./$|^COPY src/[\w.]+/[\w.]+\.csproj src/[\w.]+/$", copy));
    }

    [Fact]
    public void The_build_stages_own_restore_and_publish_commands_put_the_entrypoint_in_the_image()
    {
        Assert.Equal(2, image.Runs.Count);
        Assert.All(image.Runs, run => Assert.True(run.Exit == 0, $"RUN {run.Command} exited {run.Exit}:\n{run.Output}"));
        var entrypoint = image.Final.Last("ENTRYPOINT").ExecForm();
        Assert.Equal("dotnet", entrypoint[0]);

        // The final stage copies the build stage's publish folder into its WORKDIR, where the ENTRYPOINT runs.
        var workdir = image.Final.Last("WORKDIR").Arguments;
        var copy = image.Final.All("COPY").Single(c => c.Arguments.StartsWith("--from=build ", StringComparison.Ordinal)).Arguments.Split(' ');
        Assert.Equal(["--from=build", PublishFolder(), "./"], copy);
        Assert.Equal(PublishFolder(), workdir);
        Assert.True(File.Exists(Path.Combine(image.Map(workdir), entrypoint[1])), $"{entrypoint[1]} is not in the publish output {image.Map(workdir)}");
        Assert.True(File.Exists(Path.Combine(image.Map(workdir), Path.ChangeExtension(entrypoint[1], ".runtimeconfig.json"))));
    }

    [Fact]
    public void The_image_runs_as_a_non_root_user_with_its_data_folder_on_a_volume_it_owns()
    {
        var user = Resolve(image.Final.Last("USER").Arguments);
        var environment = image.Final.Environment();
        var volume = image.Final.Last("VOLUME").Arguments;

        Assert.True(int.TryParse(user, out var uid) && uid != 0, $"USER {user} is not a numeric non-root UID");
        // Nothing after USER runs as root again, and the entry point runs as that user.
        var after = image.Final.Instructions.SkipWhile(i => i.Keyword != "USER").ToList();
        Assert.DoesNotContain(after, i => i.Keyword is "RUN" or "USER" && i != after[0]);
        Assert.Equal("/data", environment["PORTAGE_DATA"]);
        Assert.Equal(environment["PORTAGE_DATA"], volume);
        // A named volume takes the owner of the image's folder: created and given to the user before the VOLUME line.
        var prepare = image.Final.All("RUN").Single().Arguments;
        Assert.Contains($"mkdir -p {volume}", prepare, StringComparison.Ordinal);
        Assert.Contains($"chown \"$APP_UID:$APP_UID\" {volume}", prepare, StringComparison.Ordinal);
        Assert.Equal("$APP_UID", image.Final.Last("USER").Arguments);
    }

    [Fact]
    public void The_router_listens_on_every_interface_of_the_container_at_the_exposed_port()
    {
        var urls = image.Final.Environment()["ASPNETCORE_URLS"];
        var exposed = image.Final.Last("EXPOSE").Arguments;

        Assert.Equal("http://+:8080", urls);
        Assert.Equal("8080", exposed);
        Assert.Contains($"/dev/tcp/127.0.0.1/{exposed}", HealthCommand()[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_published_router_started_with_the_images_settings_passes_the_images_healthcheck()
    {
        Assert.All(image.Runs, run => Assert.Equal(0, run.Exit));
        var environment = image.Final.Environment();
        var port = LoopbackPort.Free();
        var data = Path.Combine(image.Root, "data-" + Guid.NewGuid().ToString("n"));
        var entrypoint = image.Final.Last("ENTRYPOINT").ExecForm();
        var info = new ProcessStartInfo(DockerBuildEmulation.DotnetHost())
        {
            WorkingDirectory = image.Map(image.Final.Last("WORKDIR").Arguments),
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in entrypoint.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        // The image's settings, its paths mapped here; "+" (every interface) becomes loopback: no test listens outside.
        Assert.Equal("/data", environment["PORTAGE_DATA"]);
        info.Environment["PORTAGE_DATA"] = data;
        info.Environment["ASPNETCORE_URLS"] = environment["ASPNETCORE_URLS"].Replace("+:8080", $"127.0.0.1:{port}", StringComparison.Ordinal);
        foreach (var variable in Portage.Testing.PortageApp.ProviderEnvironment.Append("ASPNETCORE_ENVIRONMENT").Append("DOTNET_ENVIRONMENT"))
        {
            info.Environment.Remove(variable);
        }

        using var server = new Process { StartInfo = info };
        var output = new StringBuilder();
        server.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        server.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        server.Start();
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            await WaitForHealthAsync(server, port, output);

            var healthy = await HealthCheckAsync(port);
            var wrongPath = await HealthCheckAsync(port, "/healthz", "/no-such-path");
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            var stopped = await HealthCheckAsync(port);

            Assert.True(healthy == 0, $"the HEALTHCHECK command exited {healthy} against a running router\n{output}");
            Assert.NotEqual(0, wrongPath);
            Assert.NotEqual(0, stopped);
            Assert.True(File.Exists(Path.Combine(data, "portage.db")), "the router did not keep its data in PORTAGE_DATA");
            Assert.Contains($"Listening on http://127.0.0.1:{port}", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public void The_healthcheck_probes_healthz_with_a_tool_the_runtime_image_has()
    {
        var healthcheck = image.Final.Last("HEALTHCHECK").Arguments;
        var command = HealthCommand();

        // The aspnet image has no curl or wget; bash is part of its Ubuntu base.
        Assert.Equal(["bash", "-c"], command.Take(2));
        Assert.Contains("GET /healthz HTTP/1.1", command[2], StringComparison.Ordinal);
        Assert.Contains("--timeout=", healthcheck, StringComparison.Ordinal);
        Assert.DoesNotContain("curl", healthcheck, StringComparison.Ordinal);
        Assert.DoesNotContain("wget", healthcheck, StringComparison.Ordinal);
    }

    [Fact]
    public void The_build_context_leaves_out_build_output_local_data_and_history()
    {
        foreach (var path in new[] { "artifacts/bin/x.dll", "src/Portage.Server/bin/Debug/x.dll", "src/Portage.Core/obj/project.assets.json", ".portage/credentials.json", ".git/HEAD" })
        {
            Assert.True(image.Ignore.Excludes(path), $"{path} goes into the build context");
        }

        Assert.False(image.Ignore.Excludes("src/Portage.Server/PortageServer.cs"));
        Assert.False(image.Ignore.Excludes("src/Portage.Server/wwwroot/app.js"));
    }

    private IReadOnlyList<string> HealthCommand() => image.Final.Last("HEALTHCHECK").ExecForm(after: "CMD");

    private string PublishFolder()
    {
        var publish = image.Build.All("RUN").Single(r => r.Arguments.StartsWith("dotnet publish", StringComparison.Ordinal)).Arguments.Split(' ');
        return publish[Array.IndexOf(publish, "-o") + 1];
    }

    // The HEALTHCHECK's own command, as Docker runs it inside the container, pointed at this port.
    private async Task<int> HealthCheckAsync(int port, string? replace = null, string? with = null)
    {
        var command = HealthCommand();
        var info = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in command.Skip(1))
        {
            var mapped = arg.Replace("/dev/tcp/127.0.0.1/8080", $"/dev/tcp/127.0.0.1/{port}", StringComparison.Ordinal);
            info.ArgumentList.Add(replace is null ? mapped : mapped.Replace(replace, with, StringComparison.Ordinal));
        }

        using var process = Process.Start(info)!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    private static async Task WaitForHealthAsync(Process server, int port, StringBuilder output)
    {
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException($"The published router exited with {server.ExitCode}:\n{output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The published router did not answer /healthz:\n{output}");
            }

            try
            {
                using var response = await probe.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }
    }

    private static string Resolve(string value) =>
        value.StartsWith('$') && s_baseImageEnvironment.TryGetValue(value.TrimStart('$').Trim('{', '}'), out var resolved) ? resolved : value;
}
