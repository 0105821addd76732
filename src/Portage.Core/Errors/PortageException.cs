namespace Portage.Core.Errors;

/// <summary>What kind of failure an error is; the HTTP edge maps each kind to one status code.</summary>
public enum ErrorKind
{
    /// <summary>The request is malformed or invalid (400).</summary>
    BadRequest,

    /// <summary>No or a bad API key (401).</summary>
    Unauthorized,

    /// <summary>A valid API key whose scope does not allow the call (403).</summary>
    Forbidden,

    /// <summary>The resource does not exist for this caller (404); also used for other tenants' resources.</summary>
    NotFound,

    /// <summary>The resource is busy or in a state that forbids the call (409).</summary>
    Conflict,

    /// <summary>A spending budget would be passed (402).</summary>
    PaymentRequired,

    /// <summary>A rate limit is reached; <c>Retry-After</c> says when the next call may go (429).</summary>
    TooManyRequests,

    /// <summary>The body is larger than allowed (413).</summary>
    PayloadTooLarge,

    /// <summary>The body is not JSON (415).</summary>
    UnsupportedMediaType,

    /// <summary>Portage cannot serve the request right now, and a retry later will work (503 with <c>Retry-After</c>).</summary>
    Unavailable,
}

/// <summary>
/// An expected failure with a wire type and a detail that tells the caller what to do. Inside the engine errors are
/// exceptions; the edge turns them into <c>{"error", "detail"}</c> with a status, or into a final <c>agent_error</c>.
/// </summary>
public class PortageException(ErrorKind kind, string errorType, string detail, Exception? inner = null)
    : Exception(detail, inner)
{
    /// <summary>The kind, which decides the HTTP status.</summary>
    public ErrorKind Kind { get; } = kind;

    /// <summary>The snake_case error type of the wire body.</summary>
    public string ErrorType { get; } = errorType;

    /// <summary>Shorthand for a 400.</summary>
    public static PortageException BadRequest(string type, string detail) => new(ErrorKind.BadRequest, type, detail);

    /// <summary>Shorthand for a 404.</summary>
    public static PortageException NotFound(string type, string detail) => new(ErrorKind.NotFound, type, detail);

    /// <summary>Shorthand for a 409.</summary>
    public static PortageException Conflict(string type, string detail) => new(ErrorKind.Conflict, type, detail);

    /// <summary>How long a caller should wait before retrying (<see cref="ErrorKind.Unavailable"/>, <see cref="ErrorKind.TooManyRequests"/>).</summary>
    public TimeSpan? RetryAfter { get; init; }
}
