using System.Net;
using Microsoft.Extensions.FileProviders;
using Portage.Core.Tenancy;
using Portage.Protocol;
using Portage.Server.Errors;
using Portage.Server.Startup;

namespace Portage.Server.WebConsole;

/// <summary>
/// The built-in web console: the files of <c>wwwroot/</c>, embedded in the assembly so the console is there whatever
/// the content root (<c>dotnet run</c>, <c>portage serve</c>, a published binary), and the development bootstrap.
/// </summary>
internal static class ConsoleAssets
{
    /// <summary>Path of the bootstrap endpoint.</summary>
    public const string BootstrapPath = "/console/bootstrap";

    // Embedded names are flattened ("Portage.Server.wwwroot.app.js"), so wwwroot stays a flat folder.
    private static readonly EmbeddedFileProvider s_files = new(typeof(ConsoleAssets).Assembly, "Portage.Server.wwwroot");

    /// <summary>Serves <c>/</c> (index.html) and the console's files; runs before routing so the API's fallback never sees them.</summary>
    public static WebApplication UsePortageConsole(this WebApplication app)
    {
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = s_files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = s_files,
            OnPrepareResponse = c =>
            {
                // Small files that change with the server: revalidate (ETag) rather than serve a stale console.
                c.Context.Response.Headers.CacheControl = "no-cache";
                SecurityHeaders.ApplyConsoleHeaders(c.Context.Response);
            },
        });
        return app;
    }

    /// <summary>
    /// <c>GET /console/bootstrap</c>: the development key and sandbox from <c>credentials.json</c>, so the console opens
    /// signed in on the developer's own machine. Only in the Development environment, only from a loopback address and
    /// only for a loopback Host (a rebound DNS name pointing at 127.0.0.1 gets nothing); otherwise the same 404 as any
    /// unknown path. A key the store no longer accepts (revoked, expired, or of another database) is not handed out:
    /// 404 <c>development_key_revoked</c>, and the console asks for a key.
    /// </summary>
    public static WebApplication MapPortageConsole(this WebApplication app)
    {
        app.MapGet(BootstrapPath, async (HttpContext context, IHostEnvironment environment, DataFolderInfo dataFolder, ITenancyStore store, TimeProvider time) =>
        {
            if (!environment.IsDevelopment() || !IsLoopback(context) || LocalCredentials.TryRead(dataFolder.Path) is not { } credentials)
            {
                return ErrorMiddleware.UnknownRoute(context);
            }

            context.Response.Headers.CacheControl = "no-store";
            var key = await store.FindApiKeyByHashAsync(ApiKeys.Hash(credentials.ApiKey), context.RequestAborted);
            if (key is null || key.ExpiresAt <= time.GetUtcNow())
            {
                return TypedResults.Json(new ErrorBody("development_key_revoked",
                        $"The key in {LocalCredentials.FileName} is revoked, expired or unknown to this server, so the console does not use it. Paste an API key of your own."),
                    ProtocolJson.Wire.ErrorBody, statusCode: StatusCodes.Status404NotFound);
            }

            return TypedResults.Json(new ConsoleBootstrap(credentials.ApiKey, credentials.SandboxId), ConsoleJson.Default.ConsoleBootstrap);
        }).ExcludeFromDescription(); // the console's own handshake, not the public API (so not in the OpenAPI document)
        return app;
    }

    private static bool IsLoopback(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (remote is null || !IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote))
        {
            return false;
        }

        var host = context.Request.Host.Host;
        return host is "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
