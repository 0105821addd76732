using Portage.Core.Errors;

namespace Portage.Server.OpenAI;

/// <summary>A refusal on the OpenAI-compatible routes that names the request field it is about (OpenAI's <c>param</c>).</summary>
internal sealed class OpenAIRequestException(ErrorKind kind, string code, string detail, string? param) : PortageException(kind, code, detail)
{
    /// <summary>The request field, for example <c>temperature</c> or <c>messages[2].content</c>.</summary>
    public string? Param { get; } = param;

    public static OpenAIRequestException BadRequest(string code, string detail, string? param) => new(ErrorKind.BadRequest, code, detail, param);
}

/// <summary>
/// Errors of the routes under <c>/v1</c> in OpenAI's shape, <c>{"error": {"message", "type", "param", "code"}}</c>, so
/// OpenAI clients read them: the status is the one every Portage route gives, <c>code</c> is Portage's error type (or
/// OpenAI's own where Portage answers as OpenAI does: <c>model_not_found</c>, <c>unsupported_parameter</c>), and
/// <c>type</c> is <c>invalid_request_error</c> for a 4xx and <c>server_error</c> for a 5xx.
/// </summary>
internal static class OpenAIErrors
{
    /// <summary>True for the paths whose errors take OpenAI's shape.</summary>
    public static bool Owns(PathString path) => path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase);

    /// <summary>The body of an error with <paramref name="status"/>, Portage type <paramref name="code"/> and <paramref name="message"/>.</summary>
    public static OpenAIErrorBody Body(int status, string code, string message, Exception? exception = null) =>
        new(new OpenAIError(message, status >= 500 ? "server_error" : "invalid_request_error", (exception as OpenAIRequestException)?.Param ?? ParamOf(code), code));

    // The request field a Portage error type is about, on this route's wire.
    private static string? ParamOf(string code) => code switch
    {
        "invalid_end_user_id" => "user",
        "invalid_model" or "unknown_provider" or "provider_not_configured" => "model",
        "invalid_messages" or "too_many_messages" or "message_too_large" => "messages",
        "invalid_max_tokens" => "max_tokens",
        _ => null,
    };
}
