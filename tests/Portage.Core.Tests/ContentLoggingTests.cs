using Microsoft.Extensions.Options;
using Portage.Core.Errors;
using Portage.Core.Providers;
using Portage.Core.Telemetry;

namespace Portage.Core.Tests;

/// <summary>What a logger gets of a failure: without Telemetry:LogContent, types, provider, status and stack, no message.</summary>
public sealed class ContentLoggingTests
{
    private const string Secret = "the user wrote this 91ab";

    [Fact]
    public void A_redacted_provider_failure_keeps_what_failed_and_where_but_no_message_at_any_depth()
    {
        var failure = Thrown(() => throw new ProviderException("anthropic", $"prompt '{Secret}' refused", 400, innerException: new HttpRequestException($"echo of {Secret}")));

        var logged = Redact(failure, logContent: false);

        var text = logged.ToString();
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.Contains("Portage.Core.Providers.ProviderException from provider anthropic (HTTP 400)", text, StringComparison.Ordinal);
        Assert.Contains("System.Net.Http.HttpRequestException", logged.InnerException!.Message, StringComparison.Ordinal);
        Assert.Equal(failure.StackTrace, logged.StackTrace);
        Assert.Contains(nameof(Thrown), text, StringComparison.Ordinal);
        Assert.Equal(typeof(ProviderException).FullName, ((RedactedException)logged).OriginalType);
    }

    [Fact]
    public void Portage_failures_keep_their_error_type_and_content_logging_keeps_the_exception_itself()
    {
        var failure = PortageException.BadRequest("invalid_query", $"query '{Secret}' is too long");

        Assert.Equal("Portage.Core.Errors.PortageException (invalid_query)", RedactedException.Describe(failure));
        Assert.Same(failure, Redact(failure, logContent: true));
    }

    private static Exception Redact(Exception exception, bool logContent) =>
        new ContentLogging(Options.Create(new TelemetryOptions { LogContent = logContent })).Redact(exception);

    private static Exception Thrown(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex)
        {
            return ex;
        }

        throw new InvalidOperationException("nothing was thrown");
    }
}
