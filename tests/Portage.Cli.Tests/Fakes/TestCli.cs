using Portage.Core.Tenancy;

namespace Portage.Cli.Tests.Fakes;

/// <summary>Runs the CLI in-process with captured console streams, a private environment and an empty data folder.</summary>
internal sealed class TestCli
{
    public Dictionary<string, string> Environment { get; } = new()
    {
        ["PORTAGE_API_KEY"] = "pk_test",
        ["PORTAGE_SANDBOX_ID"] = "sb_test",
        ["PORTAGE_URL"] = "http://portage.test",
    };

    public string DataFolder { get; } = Path.Combine(Path.GetTempPath(), "portage-cli-tests", Guid.NewGuid().ToString("n"));

    public FakeServer? Server { get; set; } = new();

    public string Stdin { get; set; } = string.Empty;

    public StringWriter Out { get; } = new();

    public StringWriter Error { get; } = new();

    public void WriteCredentials(string url, string key, string sandbox) =>
        new LocalCredentials(url, key, sandbox).Write(DataFolder);

    public async Task<int> RunAsync(params string[] args)
    {
        var host = new CliHost
        {
            In = new StringReader(Stdin),
            Out = Out,
            Error = Error,
            GetEnvironmentVariable = name => Environment.GetValueOrDefault(name),
            ResolveDataFolder = () => DataFolder,
            HttpHandler = Server,
            RetryBaseDelay = TimeSpan.Zero,
        };
        return await PortageCli.RunAsync(args, host);
    }
}
