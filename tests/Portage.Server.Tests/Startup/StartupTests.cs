using System.Net;
using System.Net.Sockets;
using Portage.Core.Tenancy;
using Portage.Testing;

namespace Portage.Server.Tests.Startup;

/// <summary>
/// Issue 11, items 2 and 3, against the built router process: it listens where <c>--urls</c> or <c>ASPNETCORE_URLS</c>
/// say (under <c>dotnet run</c> too), writes <c>credentials.json</c> only once it listens, naming the address really
/// bound; and a start that cannot succeed says what is wrong and what to do in two lines, exits with 1 and leaves no
/// data folder behind.
/// </summary>
public sealed class StartupTests : IDisposable
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portage-tests", "start-" + Guid.NewGuid().ToString("n"));

    [Fact]
    public async Task A_taken_port_stops_the_start_in_two_lines_with_exit_code_1_and_nothing_written()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        using var router = RouterProcess.StartBuilt(_folder, null, "--urls", url);

        var exit = await router.WaitForExitAsync(s_limit);

        AssertShortFailure(exit, router);
        Assert.Contains($"{url} is already in use", router.Error, StringComparison.Ordinal);
        Assert.Contains("--urls", router.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder), "a failed start left its data folder behind");
    }

    [Fact]
    public async Task Postgres_without_a_connection_string_stops_the_start_in_two_lines_naming_the_setting()
    {
        using var router = RouterProcess.StartBuilt(_folder, null, "--Storage:Provider=postgres");

        var exit = await router.WaitForExitAsync(s_limit);

        AssertShortFailure(exit, router);
        Assert.Contains("ConnectionStrings:Postgres is not set", router.Error, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__Postgres", router.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder));
    }

    [Fact]
    public async Task Unreachable_postgres_stops_the_start_in_two_lines_without_the_password()
    {
        using var router = RouterProcess.StartBuilt(_folder, new Dictionary<string, string>
        {
            ["Storage__Provider"] = "postgres",
            ["ConnectionStrings__Postgres"] = $"Host=127.0.0.1;Port={ClosedPort()};Database=portage;Username=portage;Password=secret-word;Timeout=5",
        });

        var exit = await router.WaitForExitAsync(s_limit);

        AssertShortFailure(exit, router);
        Assert.Contains("ConnectionStrings:Postgres (host 127.0.0.1", router.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-word", router.Out + router.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder));
    }

    [Fact]
    public async Task A_listen_address_that_is_no_url_stops_the_start_in_two_lines_naming_the_setting()
    {
        using var router = RouterProcess.StartBuilt(_folder, new Dictionary<string, string> { ["ASPNETCORE_URLS"] = "127.0.0.1-5757" });

        var exit = await router.WaitForExitAsync(s_limit);

        AssertShortFailure(exit, router);
        Assert.Contains("127.0.0.1-5757", router.Error, StringComparison.Ordinal);
        Assert.Contains("ASPNETCORE_URLS", router.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_setting_that_does_not_parse_stops_the_start_in_two_lines_naming_it()
    {
        using var router = RouterProcess.StartBuilt(_folder, null, "--urls", "http://127.0.0.1:0", "--Runs:LeaseSeconds=soon");

        var exit = await router.WaitForExitAsync(s_limit);

        AssertShortFailure(exit, router);
        Assert.Contains("'Runs:LeaseSeconds'", router.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder));
    }

    [Theory]
    [InlineData("nope", "a provider this router does not have")]
    [InlineData("anthropic", "set ANTHROPIC_API_KEY")]
    public async Task A_summariser_provider_that_cannot_answer_stops_the_start_in_two_lines_naming_Compaction_Provider(string provider, string says)
    {
        var environment = new Dictionary<string, string> { ["ANTHROPIC_API_KEY"] = "" };
        using var router = RouterProcess.StartBuilt(_folder, environment, "--urls", "http://127.0.0.1:0", $"--Compaction:Provider={provider}");

        var exit = await router.WaitForExitAsync(s_limit);

        AssertShortFailure(exit, router);
        Assert.Contains($"Compaction:Provider is '{provider}'", router.Error, StringComparison.Ordinal);
        Assert.Contains(says, router.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder));
    }

    [Fact]
    public async Task ASPNETCORE_URLS_is_where_the_router_listens_and_what_credentials_json_names()
    {
        var url = $"http://127.0.0.1:{LoopbackPort.Free()}";
        using var router = RouterProcess.StartBuilt(_folder, new Dictionary<string, string> { ["ASPNETCORE_URLS"] = url });

        var listening = await router.WaitForLineAsync(l => l.Contains("Listening on", StringComparison.Ordinal), s_limit);

        Assert.EndsWith($"Listening on {url}.", listening, StringComparison.Ordinal);
        Assert.Equal(url, LocalCredentials.TryRead(_folder)?.ApiUrl);
        await AssertHealthyAsync(url);
    }

    [Fact]
    public async Task Port_0_is_reported_as_the_port_really_bound_in_the_start_message_and_credentials_json()
    {
        using var router = RouterProcess.StartBuilt(_folder, null, "--urls", "http://127.0.0.1:0");

        var listening = await router.WaitForLineAsync(l => l.Contains("Listening on", StringComparison.Ordinal), s_limit);

        var url = LocalCredentials.TryRead(_folder)?.ApiUrl;
        Assert.Matches(@"^http://127\.0\.0\.1:[1-9][0-9]*$", url);
        Assert.EndsWith($"Listening on {url}.", listening, StringComparison.Ordinal);
        await AssertHealthyAsync(url!);
    }

    [Fact]
    public async Task Dotnet_run_of_the_server_project_honours_ASPNETCORE_URLS()
    {
        var url = $"http://127.0.0.1:{LoopbackPort.Free()}";
        using var router = RouterProcess.StartWithDotnetRun(_folder, new Dictionary<string, string> { ["ASPNETCORE_URLS"] = url });

        var listening = await router.WaitForLineAsync(l => l.Contains("Listening on", StringComparison.Ordinal), s_limit);

        Assert.EndsWith($"Listening on {url}.", listening, StringComparison.Ordinal);
        Assert.Equal(url, LocalCredentials.TryRead(_folder)?.ApiUrl);
        await AssertHealthyAsync(url);
    }

    [Fact]
    public async Task A_start_without_credentials_json_says_how_to_make_a_new_key()
    {
        using (var first = RouterProcess.StartBuilt(_folder, null, "--urls", "http://127.0.0.1:0"))
        {
            await first.WaitForLineAsync(l => l.Contains("Listening on", StringComparison.Ordinal), s_limit);
        }

        File.Delete(Path.Combine(_folder, LocalCredentials.FileName));
        using var again = RouterProcess.StartBuilt(_folder, null, "--urls", "http://127.0.0.1:0");

        var line = await again.WaitForLineAsync(l => l.Contains(LocalCredentials.FileName, StringComparison.Ordinal), s_limit);

        Assert.Contains("portage keys create --local", line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, LocalCredentials.FileName)));
    }

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // Left for the OS to clean up with the temp folder.
        }
    }

    // Exit code 1, what is wrong and what to do on stderr in at most two lines, and no stack trace anywhere.
    private static void AssertShortFailure(int exit, RouterProcess router)
    {
        var lines = router.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(exit == 1, $"exit code {exit}\nstdout:\n{router.Out}\nstderr:\n{router.Error}");
        Assert.InRange(lines.Length, 1, 2);
        Assert.StartsWith("Portage did not start: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", router.Out + router.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", router.Out + router.Error, StringComparison.Ordinal);
    }

    private static async Task AssertHealthyAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync(new Uri(url + "/healthz"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static int ClosedPort() => LoopbackPort.Free();
}
