using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Portage.Client;

namespace Portage.Cli;

/// <summary>
/// Runs the body of a command that talks to a server, and turns the failures a user can fix into one clear line on
/// stderr with exit code 2.
/// </summary>
internal static class ConnectedCommand
{
    public static async Task<int> RunAsync(
        ParseResult parseResult,
        CliHost host,
        ConnectionOptions connectionOptions,
        Func<Connection, AgentRouter, CancellationToken, Task<int>> body,
        CancellationToken ct)
    {
        string? url = null;
        try
        {
            url = connectionOptions.ResolveUrl(parseResult, host);
            var connection = connectionOptions.Resolve(parseResult, host);
            url = connection.Url;
            using var router = connection.CreateRouter(host);
            return await body(connection, router, ct);
        }
        catch (Exception ex) when (Describe(ex, url) is { } message)
        {
            await host.Error.WriteLineAsync(message);
            return ExitCodes.Setup;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
        catch (TaskCanceledException)
        {
            // Not our token: HttpClient.Timeout elapsed before the server answered.
            await host.Error.WriteLineAsync($"the Portage server at {url} did not answer in time");
            return ExitCodes.Setup;
        }
    }

    /// <summary>The one-line message for a failure the user can fix, or null to let it propagate.</summary>
    public static string? Describe(Exception exception, string? url) => exception switch
    {
        CliException ex => ex.Message,
        HttpRequestException ex when IsUnreachable(ex) =>
            $"cannot reach the Portage server at {url}: is it running? start it with `portage serve`",
        HttpRequestException ex => $"request to the Portage server at {url} failed: {ex.Message}",
        HttpIOException or IOException => $"the connection to the Portage server at {url} was lost: {exception.Message}",
        AgentRouterException { StatusCode: HttpStatusCode.Unauthorized } ex =>
            $"the API key was rejected (401): {ex.Detail ?? ex.Message}",
        AgentRouterException ex => $"error: {ex.Message}",
        _ => null,
    };

    private static bool IsUnreachable(HttpRequestException exception) =>
        exception.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
        || exception.InnerException is SocketException;
}
