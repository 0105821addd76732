using System.CommandLine;

namespace Portage.Cli.Commands;

/// <summary>
/// <c>portage serve</c>: runs the router in this process until Ctrl+C, as <c>dotnet run --project src/Portage.Server</c>
/// does for a local user: in the Development environment unless told otherwise (so the console signs in from this
/// machine), with the <c>appsettings.json</c> shipped beside this program. <c>--url</c> (or <c>PORTAGE_URL</c>) becomes
/// the listen address; any other argument goes to the ASP.NET Core host unchanged (for example
/// <c>--Portage:DataFolder=/tmp/p</c> or <c>--environment Production</c>). A start that fails prints two lines
/// (what is wrong, what to do) and exits with 1.
/// </summary>
internal static class ServeCommand
{
    private static readonly string[] s_environmentVariables = ["ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT"];

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
                return await host.RunServer(ServerArguments(parseResult, host, connection), host.Error, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return ExitCodes.Success;
            }
        });
        return command;
    }

    /// <summary>
    /// The host's arguments: the pass-through tokens; <c>--urls</c> from <c>--url</c> or <c>PORTAGE_URL</c>; the
    /// folder of this program as content root, so the <c>appsettings.json</c> shipped with it applies from any directory;
    /// and the Development environment when neither an argument nor the environment names one.
    /// </summary>
    public static string[] ServerArguments(ParseResult parseResult, CliHost host, ConnectionOptions connection)
    {
        var arguments = parseResult.UnmatchedTokens.ToList();
        AddContentRoot(arguments);
        if (!arguments.Any(a => a.StartsWith("--environment", StringComparison.OrdinalIgnoreCase))
            && s_environmentVariables.All(v => string.IsNullOrWhiteSpace(host.GetEnvironmentVariable(v))))
        {
            arguments.AddRange(["--environment", "Development"]);
        }

        var url = parseResult.GetValue(connection.Url) ?? host.GetEnvironmentVariable(ConnectionOptions.UrlVariable);
        if (!string.IsNullOrWhiteSpace(url))
        {
            arguments.AddRange(["--urls", url.Trim().TrimEnd('/')]);
        }

        return [.. arguments];
    }

    /// <summary>Adds this program's folder as content root unless the arguments name one (<c>keys create --local</c> reads the same settings).</summary>
    public static void AddContentRoot(List<string> arguments)
    {
        if (!arguments.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase)))
        {
            arguments.AddRange(["--contentRoot", AppContext.BaseDirectory]);
        }
    }
}
