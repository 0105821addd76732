using Portage.Core.Tenancy;
using Portage.Server;

namespace Portage.Cli;

/// <summary>
/// Everything the commands take from the process: console streams, environment, data folder and (in tests) the HTTP
/// handler. Commands never touch <see cref="Console"/> or <see cref="Environment"/> directly, so tests run them in-process.
/// </summary>
internal sealed class CliHost
{
    public required TextReader In { get; init; }

    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Where <c>credentials.json</c> is looked up.</summary>
    public Func<string> ResolveDataFolder { get; init; } = () => DataFolder.Resolve();

    /// <summary>When set, requests go through this handler instead of the network (tests).</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>Base delay of the SDK's GET retries; tests set it to zero.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Runs the server for <c>portage serve</c> and returns its exit code; tests replace it to see the arguments.</summary>
    public Func<string[], TextWriter, CancellationToken, Task<int>> RunServer { get; init; } = PortageServer.RunAsync;

    /// <summary>Whether to dim tool lines with ANSI escapes.</summary>
    public bool Color { get; init; }

    /// <summary>Whether a person types the input (then <c>chat</c> shows a prompt).</summary>
    public bool Interactive { get; init; }

    /// <summary>Whether stderr is a terminal (then <c>ingest</c> draws a progress bar instead of printing lines).</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>The folder relative paths on the command line start from.</summary>
    public Func<string> CurrentDirectory { get; init; } = Directory.GetCurrentDirectory;

    public static CliHost FromConsole() => new()
    {
        In = Console.In,
        Out = Console.Out,
        Error = Console.Error,
        // https://no-color.org: any non-empty NO_COLOR turns colour off.
        Color = !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")),
        Interactive = !Console.IsInputRedirected,
        ErrorIsTerminal = !Console.IsErrorRedirected,
    };

    /// <summary>Writes a line dimmed when colour is on.</summary>
    public void WriteDim(TextWriter writer, string text) =>
        writer.WriteLine(Color ? $"\u001b[2m{text}\u001b[0m" : text);
}
