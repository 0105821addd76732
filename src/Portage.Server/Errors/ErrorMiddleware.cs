using Portage.Core.Errors;
using Portage.Core.Telemetry;
using Portage.Protocol;
using Portage.Server.OpenAI;

namespace Portage.Server.Errors;

/// <summary>
/// The one place where failures become wire errors: <see cref="PortageException"/>s and bad requests get their status
/// and <c>{"error","detail"}</c> (OpenAI's error shape under <c>/v1</c>, see <see cref="OpenAIErrors"/>); anything else is a 500 <c>internal_error</c> (Portage itself is broken) and is logged.
/// Once a response has started (a run stream), the stream writes its own final <c>agent_error</c> instead.
/// </summary>
internal sealed partial class ErrorMiddleware(RequestDelegate next, ContentLogging content, ILogger<ErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (PortageException ex) when (!context.Response.HasStarted)
        {
            await WriteAsync(context, StatusOf(ex.Kind), ex.ErrorType, ex.Message, ex.RetryAfter, ex);
        }
        catch (Exception ex) when (!context.Response.HasStarted && IsTransientStorageFailure(ex))
        {
            // The database refused for now (locked by another process, a connection pool exhausted, a failover):
            // nothing was written, so the caller may simply retry.
            LogBusy(logger, content.Redact(ex), context.Request.Method, context.Request.Path);
            await WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "storage_busy",
                "The database is busy and did not take this request; nothing was changed. Retry after the Retry-After delay.", StorageBusyException.DefaultRetryAfter);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            var tooLarge = ex.StatusCode == StatusCodes.Status413PayloadTooLarge;
            await WriteAsync(context, ex.StatusCode, tooLarge ? "payload_too_large" : "bad_request",
                tooLarge ? "The request body is too large; send less (Server:MaxRequestBodyBytes sets the limit)." : ex.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            LogUnhandled(logger, content.Redact(ex), context.Request.Method, context.Request.Path);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, "internal_error",
                "Portage failed to handle this request; this is a bug in Portage. The server log has the details.");
        }
    }

    /// <summary>The HTTP status of an error kind.</summary>
    public static int StatusOf(ErrorKind kind) => kind switch
    {
        ErrorKind.BadRequest => StatusCodes.Status400BadRequest,
        ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.PaymentRequired => StatusCodes.Status402PaymentRequired,
        ErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
        ErrorKind.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorKind.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        ErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>Fallback for paths no endpoint matches (in OpenAI's shape under <c>/v1</c>).</summary>
    public static IResult UnknownRoute(HttpContext context)
    {
        var detail = $"No endpoint at {context.Request.Method} {context.Request.Path}. The API lives under /api/v1, the OpenAI-compatible routes under /v1; see the README.";
        return OpenAIErrors.Owns(context.Request.Path)
            ? TypedResults.Json(OpenAIErrors.Body(StatusCodes.Status404NotFound, "not_found", detail), OpenAIJson.Default.OpenAIErrorBody, statusCode: StatusCodes.Status404NotFound)
            : TypedResults.Json(new ErrorBody("not_found", detail), ProtocolJson.Wire.ErrorBody, statusCode: StatusCodes.Status404NotFound);
    }

    /// <summary>
    /// A database failure that says "not now" rather than "broken" (SQLite busy or locked; what the provider marks
    /// <see cref="System.Data.Common.DbException.IsTransient"/>, such as an Npgsql pool timeout or a lost connection), here or
    /// in an inner exception.
    /// </summary>
    public static bool IsTransientStorageFailure(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            // SQLite's busy (5) and locked (6), which Microsoft.Data.Sqlite does not mark transient itself.
            if (ex is System.Data.Common.DbException { IsTransient: true } or Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 })
            {
                return true;
            }
        }

        return false;
    }

    private static string RetryAfterSeconds(TimeSpan wait) =>
        Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task WriteAsync(HttpContext context, int status, string error, string detail, TimeSpan? retryAfter = null, Exception? exception = null)
    {
        context.Response.Clear();
        if (retryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds(wait);
        }

        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        if (OpenAIErrors.Owns(context.Request.Path))
        {
            await context.Response.WriteAsJsonAsync(OpenAIErrors.Body(status, error, detail, exception), OpenAIJson.Default.OpenAIErrorBody, contentType: "application/json", context.RequestAborted);
            return;
        }

        await context.Response.WriteAsJsonAsync(new ErrorBody(error, detail), ProtocolJson.Wire.ErrorBody, contentType: "application/json", context.RequestAborted);
    }

    [LoggerMessage(LogLevel.Warning, "The database was busy on {Method} {Path}; answered 503")]
    private static partial void LogBusy(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(LogLevel.Error, "Unhandled failure on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
