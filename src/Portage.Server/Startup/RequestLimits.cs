using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Portage.Server.Endpoints;

namespace Portage.Server.Startup;

/// <summary>
/// One body limit for every endpoint (<c>Server:MaxRequestBodyBytes</c>, 1 MiB by default), not only for the JSON
/// endpoints that read through <see cref="JsonBody"/>: <c>/mcp</c>, whose body the MCP SDK reads, would otherwise take
/// whatever Kestrel takes (30 MB). A declared length above the limit is 413 at once; the server's own per-request limit
/// is lowered to it, so a chunked body is cut off there too (Kestrel's 413 is mapped by <c>ErrorMiddleware</c>).
/// </summary>
internal static class RequestLimits
{
    public static WebApplication UsePortageRequestLimits(this WebApplication app)
    {
        var max = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value.MaxRequestBodyBytes;
        app.Use((context, next) =>
        {
            if (context.Request.ContentLength > max)
            {
                throw JsonBody.TooLarge(max);
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = max;
            }

            return next(context);
        });
        return app;
    }
}
