using Microsoft.AspNetCore.Http.Features;

namespace Portage.Server.Sse;

/// <summary>The start of every event stream the router sends: its headers, then unbuffered so each write is flushed as it happens.</summary>
internal static class EventStreamResponse
{
    /// <summary>Sends 200 <c>text/event-stream</c> with no caching, no compression and no proxy buffering.</summary>
    public static async Task StartAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache,no-store";
        response.Headers.ContentEncoding = "identity";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
        await response.StartAsync(context.RequestAborted);
    }
}
