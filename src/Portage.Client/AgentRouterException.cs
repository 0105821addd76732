using System.Net;
using Portage.Protocol.Runs;

namespace Portage.Client;

/// <summary>
/// The server answered a call with a non-2xx status. <see cref="ErrorType"/> and <see cref="Detail"/> come from the
/// <c>{"error", "detail"}</c> body when the server sent one.
/// </summary>
public sealed class AgentRouterException : Exception
{
    /// <summary>Creates an exception without response details.</summary>
    public AgentRouterException()
    {
    }

    /// <summary>Creates an exception with a message and no response details.</summary>
    public AgentRouterException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and an inner exception, without response details.</summary>
    public AgentRouterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a non-2xx answer.</summary>
    /// <param name="operation">The SDK call, for example <c>agents.run</c>.</param>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="errorType">The <c>error</c> field of the body, if any.</param>
    /// <param name="detail">The <c>detail</c> field, or the start of a body that was not an error body.</param>
    public AgentRouterException(string operation, HttpStatusCode statusCode, string? errorType, string? detail)
        : base(FormatMessage(operation, statusCode, errorType, detail))
    {
        Operation = operation;
        StatusCode = statusCode;
        ErrorType = errorType;
        Detail = detail;
    }

    /// <summary>
    /// Creates an exception for a run that failed after its stream started (an <c>agent_error</c> frame): the HTTP status
    /// was 200, <see cref="ErrorType"/> is the frame's <c>type</c> and <see cref="Detail"/> its <c>message</c>.
    /// </summary>
    internal AgentRouterException(string operation, AgentError error)
        : base($"{operation}: {error.Type}: {error.Message}")
    {
        Operation = operation;
        StatusCode = HttpStatusCode.OK;
        ErrorType = error.Type;
        Detail = error.Message;
    }

    /// <summary>The SDK call that failed, for example <c>agents.run</c> or <c>dataSources.archive</c>.</summary>
    public string? Operation { get; }

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The snake_case error type, for example <c>session_not_found</c>; null when the body had none.</summary>
    public string? ErrorType { get; }

    /// <summary>What went wrong and what to do, from the body.</summary>
    public string? Detail { get; }

    private static string FormatMessage(string operation, HttpStatusCode statusCode, string? errorType, string? detail)
    {
        var head = $"{operation}: HTTP {(int)statusCode}";
        return (errorType, detail) switch
        {
            (not null, not null) => $"{head} {errorType}: {detail}",
            (not null, null) => $"{head} {errorType}",
            (null, not null) when detail.Length > 0 => $"{head} {detail}",
            _ => head,
        };
    }
}
