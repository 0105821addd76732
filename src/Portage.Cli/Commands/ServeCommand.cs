using System.CommandLine;

namespace Portage.Cli.Commands;

/// <summary>
/// <c>portage serve</c>: runs the router in this process until Ctrl+C. <c>--url</c> (or <c>PORTAGE_URL</c>) becomes
/// the listen address; any other argument goes to the ASP.NET Core host unchanged (for example
/// <c>--Portage:DataFolder=/tmp/p</c> or <c>--environment Development</c>).
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliHost host, ConnectionOptions connection)
    {
        var command = new Command("serve", "Run the Portage server here (default http://127.0.0.1:5757) until Ctrl+C")
        {
            TreatUnmatchedTokensAsErrors = false,
        };

        command.SetAction(async (parseResult, ct) =>
        {
            try
            {
                await host.RunServer(ServerArguments(parseResult, host, connection), ct);
                return ExitCodes.Success;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return ExitCodes.Success;
            }
            catch (IOException ex)
            {
                // Kestrel reports a port it cannot bind (taken, not allowed) as an IOException.
                await host.Error.WriteLineAsync($"cannot start the Portage server: {ex.Message}");
                return ExitCodes.Setup;
            }
        });
        return command;
    }

    /// <summary>
    /// The host's arguments: the pass-through tokens; <c>--urls</c> from <c>--url</c> or <c>PORTAGE_URL</c>; and the
    /// folder of this program as content root, so the <c>appsettings.json</c> shipped with it applies from any directory.
    /// </summary>
    public static string[] ServerArguments(ParseResult parseResult, CliHost host, ConnectionOptions connection)
    {
        var arguments = parseResult.UnmatchedTokens.ToList();
        if (!arguments.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase)))
        {
            arguments.AddRange(["--contentRoot", AppContext.BaseDirectory]);
        }

        var url = parseResult.GetValue(connection.Url) ?? host.GetEnvironmentVariable(ConnectionOptions.UrlVariable);
        if (!string.IsNullOrWhiteSpace(url))
        {
            arguments.AddRange(["--urls", url.Trim().TrimEnd('/')]);
        }

        return [.. arguments];
    }
}
