using Microsoft.Extensions.Options;

namespace Portage.Core.Telemetry;

/// <summary>
/// What of a failure reaches the logs. An exception's message can carry content: a provider that quotes the prompt in
/// its error, a tool that names its input, an SDK that prints its request with its key. So every exception handed to
/// a logger passes through <see cref="Redact"/>: unless <see cref="TelemetryOptions.LogContent"/> is on, the logger
/// gets a <see cref="RedactedException"/> with the types, provider, HTTP status and stack traces, and no message.
/// </summary>
public sealed class ContentLogging(IOptions<TelemetryOptions> options)
{
    /// <summary>Whether content may be logged (<c>Telemetry:LogContent</c>).</summary>
    public bool Enabled => options.Value.LogContent;

    /// <summary>The exception to log: itself when content logging is on, else its redacted stand-in.</summary>
    public Exception Redact(Exception exception) => Enabled ? exception : RedactedException.Of(exception);
}

/// <summary>
/// Stands in for an exception whose message must not be logged: same stack trace, inner exceptions redacted alike,
/// and a message made only of what Portage itself knows to be free of content (see <see cref="Describe"/>).
/// </summary>
public sealed class RedactedException : Exception
{
    private readonly string? _stackTrace;

    private RedactedException(Exception original)
        : base($"{Describe(original)} (message withheld; Telemetry:LogContent=true logs it)",
            original.InnerException is null ? null : Of(original.InnerException))
    {
        _stackTrace = original.StackTrace;
        OriginalType = original.GetType().FullName ?? original.GetType().Name;
    }

    /// <summary>The full name of the exception's type.</summary>
    public string OriginalType { get; }

    /// <inheritdoc/>
    public override string? StackTrace => _stackTrace;

    /// <summary>The redacted stand-in for <paramref name="exception"/>.</summary>
    public static RedactedException Of(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception as RedactedException ?? new RedactedException(exception);
    }

    /// <summary>
    /// A content-free description: the type, plus the provider and HTTP status of a provider failure or the error type of
    /// Portage's own. Also what a failed span's status says.
    /// </summary>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var type = exception.GetType().FullName ?? exception.GetType().Name;
        return exception switch
        {
            Providers.ProviderException p => $"{type} from provider {p.Provider}{(p.StatusCode is { } status ? $" (HTTP {status})" : "")}",
            Errors.PortageException p => $"{type} ({p.ErrorType})",
            _ => type,
        };
    }
}
