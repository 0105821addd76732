using System.Net;
using Portage.Core.Tenancy;
using Portage.Protocol;

namespace Portage.Server.Startup;

/// <summary>
/// Who may scrape <c>/metrics</c> (<c>Telemetry:MetricsAccess</c>): <c>loopback</c> (the default) only callers on this
/// machine, <c>key</c> any caller with an API key, <c>open</c> anyone. The metrics name providers, known models and
/// counts, never tenant text, but how busy a router is and which providers it pays for is still the operator's business.
/// </summary>
internal static class MetricsAccess
{
    public const string Setting = "Telemetry:MetricsAccess";

    private enum Mode
    {
        Loopback,
        Key,
        Open,
    }

    /// <summary>Adds the access check to the scrape endpoint's branch. An unknown setting stops the start, naming it.</summary>
    public static Action<IApplicationBuilder> Guard(IConfiguration configuration)
    {
        var mode = Parse(configuration[Setting]);
        return branch => branch.Use(async (context, next) =>
        {
            switch (mode)
            {
                case Mode.Key:
                    // 401 with the usual body (the error middleware) when the key is missing or not a key.
                    await context.RequestServices.GetRequiredService<TenancyService>()
                        .AuthenticateAsync(context.Request.Headers.Authorization.ToString(), context.RequestAborted);
                    break;
                case Mode.Loopback when !IsLocal(context):
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    await context.Response.WriteAsJsonAsync(new ErrorBody("metrics_forbidden",
                        $"/metrics answers only callers on the router's own machine ({Setting}=loopback). Scrape it from there, or set " +
                        $"{Setting} to 'key' (scrapes send an API key as a bearer token) or 'open'."),
                        ProtocolJson.Wire.ErrorBody, "application/json", context.RequestAborted);
                    return;
            }

            await next(context);
        });
    }

    private static Mode Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "loopback" => Mode.Loopback,
        "key" => Mode.Key,
        "open" => Mode.Open,
        _ => throw new StartupException($"{Setting} is '{value}'.",
            $"Set it to 'loopback' (the default: only callers on this machine), 'key' (an API key is required) or 'open' (anyone)."),
    };

    // A loopback address (or none: a Unix socket), a loopback Host (a DNS name rebound to 127.0.0.1 by a web page gets
    // nothing), and no forwarding headers: a reverse proxy on this machine relays callers from anywhere.
    private static bool IsLocal(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (remote is not null && !IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote))
        {
            return false;
        }

        var headers = context.Request.Headers;
        if (headers.ContainsKey("Forwarded") || headers.ContainsKey("X-Forwarded-For"))
        {
            return false;
        }

        var host = context.Request.Host.Host;
        return host is "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
