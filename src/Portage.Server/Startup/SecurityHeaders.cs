namespace Portage.Server.Startup;

/// <summary>
/// Response headers that tell browsers what not to do with Portage's answers: no response is sniffed into another
/// content type, and the console's files may not be framed, may run only the console's own scripts and styles, and
/// send no referrer.
/// </summary>
internal static class SecurityHeaders
{
    /// <summary>
    /// The console is a page of its own files: modules, one stylesheet, <c>fetch</c> to the same origin. No inline
    /// script or style, so nothing injected into it could run.
    /// </summary>
    public const string ConsolePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// <c>X-Content-Type-Options: nosniff</c> on every response. Set as the headers go out, so the error middleware's
    /// <c>Response.Clear()</c> cannot drop it.
    /// </summary>
    public static WebApplication UsePortageSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                ((HttpResponse)state).Headers.XContentTypeOptions = "nosniff";
                return Task.CompletedTask;
            }, context.Response);
            return next(context);
        });
        return app;
    }

    /// <summary>The headers of a console file.</summary>
    public static void ApplyConsoleHeaders(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.ContentSecurityPolicy = ConsolePolicy;
        // Older browsers know only X-Frame-Options; CSP's frame-ancestors says the same to newer ones.
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
