using Portage.Core.Storage;
using Portage.Protocol;
using Portage.Server.OpenApi;

namespace Portage.Server.Endpoints;

/// <summary>
/// The probes, without a key: <c>GET /healthz</c> says the process is up and serving HTTP (it touches nothing else,
/// so a slow database never gets a live router restarted); <c>GET /readyz</c> says it can serve requests now: the
/// store answers and its schema is at this build's version. A load balancer sends traffic by <c>/readyz</c>.
/// </summary>
internal static partial class HealthEndpoints
{
    /// <summary>How long <c>/readyz</c> waits for the store: probes are retried, a hanging probe helps nobody.</summary>
    public static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(5);

    public static WebApplication MapPortageHealth(this WebApplication app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new StatusResponse(true, "ok"))).WithTags("Probes").WithSummary("The process is up (no key)");
        app.MapGet("/readyz", ReadyAsync).WithTags("Probes").WithSummary("The store answers at this build's schema (no key)")
            .Produces<StatusResponse>().ProducesPortageErrors(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<IResult> ReadyAsync(HttpContext context, IStoreReadiness store, ILoggerFactory loggers)
    {
        context.Response.Headers.CacheControl = "no-store";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(StoreTimeout);
        StoreReadiness readiness;
        try
        {
            readiness = await store.CheckReadyAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            readiness = new StoreReadiness(false, $"the store did not answer within {StoreTimeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The exception's message can name the database's host: it goes to the log, not to an unauthenticated caller.
            LogUnreachable(loggers.CreateLogger(typeof(HealthEndpoints).FullName!), ex);
            readiness = new StoreReadiness(false, $"the store cannot be reached ({ex.GetType().Name}); the router's log has the details");
        }

        return readiness.Ready
            ? TypedResults.Json(new StatusResponse(true, "ready"), ProtocolJson.Wire.StatusResponse)
            : TypedResults.Json(new ErrorBody("not_ready", readiness.Detail ?? "the store is not ready"), ProtocolJson.Wire.ErrorBody,
                statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    [LoggerMessage(LogLevel.Warning, "/readyz: the store cannot be reached; answered 503")]
    private static partial void LogUnreachable(ILogger logger, Exception exception);
}
