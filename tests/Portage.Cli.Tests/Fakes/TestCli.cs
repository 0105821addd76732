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

    public string DataFolder { get; init; } = Path.Combine(Path.GetTempPath(), "portage-cli-tests", Guid.NewGuid().ToString("n"));

    public FakeServer? Server { get; set; } = new();

    /// <summary>When set, requests go here instead of <see cref="Server"/> (the real router in process).</summary>
    public HttpMessageHandler? Handler { get; set; }

    public string Stdin { get; set; } = string.Empty;

    /// <summary>Replaces the in-process server of <c>portage serve</c>; null runs the real one.</summary>
    public Func<string[], TextWriter, CancellationToken, Task<int>>? RunServer { get; set; }

    public StringWriter Out { get; } = new();

    public StringWriter Error { get; } = new();

    public void WriteCredentials(string url, string key, string sandbox) =>
        new LocalCredentials(url, key, sandbox).Write(DataFolder);

    public Task<int> RunAsync(params string[] args) => RunAsync(CancellationToken.None, args);

    public async Task<int> RunAsync(CancellationToken ct, params string[] args)
    {
        var host = new CliHost
        {
            In = new StringReader(Stdin),
            Out = Out,
            Error = Error,
            GetEnvironmentVariable = name => Environment.GetValueOrDefault(name),
            ResolveDataFolder = () => DataFolder,
            HttpHandler = Handler ?? Server,
            RetryBaseDelay = TimeSpan.Zero,
            RunServer = RunServer ?? Portage.Server.PortageServer.RunAsync,
        };
        return await PortageCli.RunAsync(args, host, ct);
    }
}
