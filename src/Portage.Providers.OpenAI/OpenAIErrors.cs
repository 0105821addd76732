using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using Portage.Core.Providers;

namespace Portage.Providers.OpenAI;

/// <summary>Turns OpenAI error bodies, headers and error chunks into <see cref="ProviderException"/>s.</summary>
internal static class OpenAIErrors
{
    /// <summary>An HTTP error answer: the provider's own message, its status, code and the wait it asked for.</summary>
    public static ProviderException FromHttpError(string provider, ClientResultException exception, DateTimeOffset now)
    {
        var response = exception.GetRawResponse();
        var error = ErrorBody.Parse(ReadContent(response));
        var message = error.Message ?? FirstLine(exception.Message);
        var detail = error.Code ?? error.Type;
        var text = $"{message} (HTTP {exception.Status}{(detail is null ? "" : ", " + detail)})";

        // insufficient_quota is a 429 that no wait fixes: the account has run out of credit.
        bool? transient = string.Equals(error.Code, "insufficient_quota", StringComparison.Ordinal) ? false : null;
        return new ProviderException(provider, text, exception.Status, RetryAfter(response, now), transient, exception);
    }

    /// <summary>
    /// A <c>data: {"error":{…}}</c> chunk in the middle of a stream, or null for an ordinary chunk. The SDK parses such a
    /// chunk as an update with nothing in it, keeping the unknown <c>error</c> property in the update's JSON patch.
    /// </summary>
    public static ProviderException? FromStreamChunk(string provider, ChatResponseUpdate update)
    {
        if (update.RawRepresentation is not StreamingChatCompletionUpdate raw || update.Contents.Count > 0 || !HasError(raw, out var json))
        {
            return null;
        }

        var error = ErrorBody.Parse(json);
        var detail = error.Code ?? error.Type;
        var text = $"{error.Message ?? "The stream reported an error."}{(detail is null ? "" : $" ({detail})")}";
        bool? transient = string.Equals(error.Code, "insufficient_quota", StringComparison.Ordinal) ? false : null;
        return new ProviderException(provider, text, error.NumericCode, transient: transient);
    }

#pragma warning disable SCME0001 // JsonPatch is experimental; it is the SDK's only view of properties it has no model for.
    private static bool HasError(StreamingChatCompletionUpdate update, out BinaryData? json)
    {
        json = null;
        if (!update.Patch.TryGetJson("$.error"u8, out var error))
        {
            return false;
        }

        json = BinaryData.FromBytes([.. "{\"error\":"u8, .. error.Span, .. "}"u8]);
        return true;
    }
#pragma warning restore SCME0001

    private static BinaryData? ReadContent(PipelineResponse? response)
    {
        if (response is null)
        {
            return null;
        }

        try
        {
            return response.Content;
        }
        catch (InvalidOperationException)
        {
            // A streamed body that was never buffered has no Content; the message then comes from the exception.
            return null;
        }
    }

    // retry-after-ms (OpenAI, milliseconds) is more precise than retry-after (seconds or an HTTP date).
    private static TimeSpan? RetryAfter(PipelineResponse? response, DateTimeOffset now)
    {
        if (response is null)
        {
            return null;
        }

        if (response.Headers.TryGetValue("retry-after-ms", out var ms)
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        if (response.Headers.TryGetValue("retry-after", out var value) && value is not null)
        {
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                return at > now ? at - now : TimeSpan.Zero;
            }
        }

        return null;
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? text : text[..end]).Trim();
    }

    /// <summary>
    /// The fields of an error body, read leniently: OpenAI sends <c>{"error":{"message","type","code"}}</c>, llama.cpp
    /// a numeric <c>code</c>, vLLM the fields at the top level, some servers <c>{"error":"text"}</c>.
    /// </summary>
    private sealed record ErrorBody(string? Message, string? Type, string? Code, int? NumericCode)
    {
        public static ErrorBody Parse(BinaryData? body)
        {
            if (body is null || body.ToMemory().IsEmpty)
            {
                return new ErrorBody(null, null, null, null);
            }

            try
            {
                using var document = JsonDocument.Parse(body.ToMemory());
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return new ErrorBody(null, null, null, null);
                }

                if (root.TryGetProperty("error", out var error))
                {
                    if (error.ValueKind == JsonValueKind.String)
                    {
                        return new ErrorBody(error.GetString(), null, null, null);
                    }

                    if (error.ValueKind == JsonValueKind.Object)
                    {
                        root = error;
                    }
                }

                var code = Field(root, "code");
                return new ErrorBody(Field(root, "message"), Field(root, "type"), code,
                    int.TryParse(code, NumberStyles.Integer, CultureInfo.InvariantCulture, out var numeric) ? numeric : null);
            }
            catch (JsonException)
            {
                var text = body.ToString().Trim();
                return new ErrorBody(text.Length is > 0 and <= 500 ? text : null, null, null, null);
            }
        }

        private static string? Field(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString() is { Length: > 0 } s ? s : null,
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            } : null;
    }
}
