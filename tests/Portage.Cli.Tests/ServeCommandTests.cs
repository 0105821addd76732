using System.Net;
using System.Net.Sockets;
using Portage.Cli.Tests.Fakes;
using Portage.Testing;

namespace Portage.Cli.Tests;

public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_listens_on_url_and_forwards_other_arguments_to_the_host()
    {
        string[]? seen = null;
        var cli = new TestCli { RunServer = (args, _, _) => { seen = args; return Task.FromResult(0); } };

        var exit = await cli.RunAsync("serve", "--url", "http://127.0.0.1:6001/", "--environment", "Staging");

        Assert.Equal(0, exit);
        Assert.NotNull(seen);
        Assert.Equal(["--environment", "Staging"], seen[..2]);
        Assert.Equal(["--urls", "http://127.0.0.1:6001"], seen[^2..]);
        Assert.Contains("--contentRoot", seen);
    }

    [Fact]
    public async Task Serve_uses_PORTAGE_URL_and_keeps_an_explicit_content_root()
    {
        string[]? seen = null;
        var cli = new TestCli { RunServer = (args, _, _) => { seen = args; return Task.FromResult(0); } };

        await cli.RunAsync("serve", "--contentRoot", "/srv/portage");

        Assert.Equal(["--contentRoot", "/srv/portage", "--environment", "Development", "--urls", "http://portage.test"], seen!);
    }

    [Fact]
    public async Task Serve_without_url_leaves_the_listen_address_to_the_server()
    {
        string[]? seen = null;
        var cli = new TestCli { RunServer = (args, _, _) => { seen = args; return Task.FromResult(0); } };
        cli.Environment.Clear();

        await cli.RunAsync("serve");

        Assert.DoesNotContain("--urls", seen!);
    }

    [Fact]
    public async Task Serve_runs_in_Development_like_dotnet_run_unless_an_argument_or_the_environment_names_one()
    {
        string[]? seen = null;
        var local = new TestCli { RunServer = (args, _, _) => { seen = args; return Task.FromResult(0); } };
        local.Environment.Clear();
        await local.RunAsync("serve");
        var defaulted = seen!;
        var deployed = new TestCli { RunServer = (args, _, _) => { seen = args; return Task.FromResult(0); } };
        deployed.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        await deployed.RunAsync("serve");

        Assert.Equal(["--environment", "Development"], defaulted[^2..]);
        Assert.DoesNotContain("--environment", seen!);
    }

    [Fact]
    public async Task Serve_on_a_taken_port_says_so_in_two_lines_exits_with_1_and_leaves_no_data_folder()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        var cli = new TestCli();
        cli.Environment.Clear();

        var exit = await cli.RunAsync("serve", "--url", url, $"--Portage:DataFolder={cli.DataFolder}");

        var lines = cli.Error.ToString().Trim().Split('\n');
        Assert.Equal(1, exit);
        Assert.Equal(2, lines.Length);
        Assert.Contains($"{url} is already in use", lines[0], StringComparison.Ordinal);
        Assert.Contains("portage serve --url", lines[1], StringComparison.Ordinal);
        Assert.False(Directory.Exists(cli.DataFolder));
    }

    [Fact]
    public async Task Serve_then_run_finds_the_first_start_credentials()
    {
        var url = $"http://127.0.0.1:{LoopbackPort.Free()}";
        var server = new TestCli();
        server.Environment.Clear();
        using var stop = new CancellationTokenSource();
        var serving = server.RunAsync(stop.Token, "serve", "--url", url, $"--Portage:DataFolder={server.DataFolder}");

        try
        {
            await WaitUntilHealthyAsync(url, serving);

            var cli = new TestCli { Server = null };
            cli.Environment.Clear();
            File.Copy(
                Path.Combine(server.DataFolder, "credentials.json"),
                Path.Combine(Directory.CreateDirectory(cli.DataFolder).FullName, "credentials.json"));

            var exit = await cli.RunAsync("run", "hello portage");

            Assert.True(exit == 0, cli.Error.ToString());
            Assert.Contains("hello portage", cli.Out.ToString(), StringComparison.Ordinal);
            Assert.Matches("session_id=\\S+ context_window_id=\\S+", cli.Error.ToString());
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await serving.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }

    private static async Task WaitUntilHealthyAsync(string url, Task<int> serving)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(serving.IsCompleted, "the server stopped before it answered /healthz");
            try
            {
                using var response = await http.GetAsync(new Uri(url + "/healthz"));
                if (response.StatusCode == HttpStatusCode.OK)
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

        Assert.Fail("the server did not answer /healthz within 30 s");
    }
}
