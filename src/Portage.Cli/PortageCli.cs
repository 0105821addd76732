using System.CommandLine;
using Portage.Cli.Commands;

namespace Portage.Cli;

/// <summary>Entry point of the <c>portage</c> command.</summary>
internal static class PortageCli
{
    public static Task<int> Main(string[] args) => RunAsync(args, CliHost.FromConsole());

    /// <summary>Parses and runs a command line against <paramref name="host"/> (tests pass captured streams).</summary>
    public static Task<int> RunAsync(string[] args, CliHost host, CancellationToken ct = default)
    {
        var root = CreateRootCommand(host);
        var configuration = new InvocationConfiguration { Output = host.Out, Error = host.Error };
        return root.Parse(args).InvokeAsync(configuration, ct);
    }

    public static RootCommand CreateRootCommand(CliHost host)
    {
        var connection = new ConnectionOptions();
        var root = new RootCommand("portage: a self-hosted agent router (Copass-compatible). Start with `portage serve`, then `portage chat`.");
        connection.AddTo(root);
        root.Subcommands.Add(ServeCommand.Create(host, connection));
        root.Subcommands.Add(ChatCommand.Create(host, connection));
        root.Subcommands.Add(RunCommand.Create(host, connection));
        root.Subcommands.Add(IngestCommand.Create(host, connection));
        root.Subcommands.Add(KeysCommand.Create(host, connection));
        return root;
    }
}
