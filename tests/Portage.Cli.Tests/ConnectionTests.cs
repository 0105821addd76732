using System.Net;
using System.Net.Sockets;
using Portage.Cli.Tests.Fakes;

namespace Portage.Cli.Tests;

public sealed class ConnectionTests
{
    [Fact]
    public async Task No_api_key_anywhere_exits_2_with_the_hint()
    {
        var cli = new TestCli();
        cli.Environment.Remove("PORTAGE_API_KEY");

        var exit = await cli.RunAsync("run", "hi");

        Assert.Equal(2, exit);
        Assert.Equal(
            "no API key: start the server once (portage serve), or set PORTAGE_API_KEY; lost credentials.json? stop the server and run `portage keys create --local`",
            cli.Error.ToString().Trim());
        Assert.Empty(cli.Server!.Requests);
    }

    [Fact]
    public async Task No_sandbox_id_anywhere_exits_2()
    {
        var cli = new TestCli();
        cli.Environment.Remove("PORTAGE_SANDBOX_ID");

        var exit = await cli.RunAsync("run", "hi");

        Assert.Equal(2, exit);
        Assert.StartsWith("no sandbox id:", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_not_running_exits_2_with_how_to_start_it()
    {
        var url = $"http://127.0.0.1:{ClosedPort()}";
        var cli = new TestCli { Server = null };

        var exit = await cli.RunAsync("run", "hi", "--url", url);

        Assert.Equal(2, exit);
        Assert.Equal(
            $"cannot reach the Portage server at {url}: is it running? start it with `portage serve`",
            cli.Error.ToString().Trim());
    }

    [Fact]
    public async Task Rejected_key_exits_2_with_the_servers_detail()
    {
        var cli = new TestCli();
        cli.Server!.Respond = (_, _) => FakeServer.Json(
            "{\"error\":\"unauthorized\",\"detail\":\"unknown or revoked API key\"}", HttpStatusCode.Unauthorized);

        var exit = await cli.RunAsync("run", "hi");

        Assert.Equal(2, exit);
        Assert.Equal("the API key was rejected (401): unknown or revoked API key", cli.Error.ToString().Trim());
    }

    [Fact]
    public async Task Other_refusals_exit_2_with_the_error_type_and_detail()
    {
        var cli = new TestCli();
        cli.Server!.Respond = (_, _) => FakeServer.Json(
            "{\"error\":\"run_in_progress\",\"detail\":\"wait for the running turn\"}", HttpStatusCode.Conflict);

        var exit = await cli.RunAsync("run", "hi");

        Assert.Equal(2, exit);
        Assert.Equal("error: agents.run: HTTP 409 run_in_progress: wait for the running turn", cli.Error.ToString().Trim());
    }

    [Fact]
    public async Task Options_beat_environment_variables()
    {
        var cli = new TestCli();

        await cli.RunAsync("run", "hi", "--api-key", "pk_option", "--sandbox", "sb_option", "--url", "http://option.test/");

        var (request, _, authorization) = Assert.Single(cli.Server!.Requests);
        Assert.Equal("Bearer pk_option", authorization);
        Assert.Equal("http://option.test/api/v1/storage/sandboxes/sb_option/agents/run", request.RequestUri!.ToString());
    }

    [Fact]
    public async Task Environment_variables_beat_the_credentials_file()
    {
        var cli = new TestCli();
        cli.WriteCredentials("http://creds.test", "pk_creds", "sb_creds");

        await cli.RunAsync("run", "hi");

        var (request, _, authorization) = Assert.Single(cli.Server!.Requests);
        Assert.Equal("Bearer pk_test", authorization);
        Assert.Equal("http://portage.test/api/v1/storage/sandboxes/sb_test/agents/run", request.RequestUri!.ToString());
    }

    [Fact]
    public async Task Credentials_file_supplies_url_key_and_sandbox()
    {
        var cli = new TestCli();
        cli.Environment.Clear();
        cli.WriteCredentials("http://creds.test:5757", "pk_creds", "sb_creds");

        var exit = await cli.RunAsync("run", "hi");

        Assert.Equal(0, exit);
        var (request, _, authorization) = Assert.Single(cli.Server!.Requests);
        Assert.Equal("Bearer pk_creds", authorization);
        Assert.Equal("http://creds.test:5757/api/v1/storage/sandboxes/sb_creds/agents/run", request.RequestUri!.ToString());
    }

    [Fact]
    public async Task Global_options_are_accepted_before_the_verb()
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync("--api-key", "pk_first", "run", "hi");

        Assert.Equal(0, exit);
        Assert.Equal("Bearer pk_first", cli.Server!.Requests[0].Authorization);
    }

    [Fact]
    public async Task Invalid_url_is_a_one_line_error()
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync("run", "hi", "--url", "not a url");

        Assert.Equal(2, exit);
        Assert.StartsWith("invalid server URL 'not a url'", cli.Error.ToString(), StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
