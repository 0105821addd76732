using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Portage.Core.Errors;

namespace Portage.Server.Endpoints;

/// <summary>Looks at a request body's raw JSON before it is deserialized; throws to refuse it.</summary>
internal delegate void BodyScreen(ReadOnlySpan<byte> json);

/// <summary>
/// Reads JSON bodies with errors a caller can act on (415, 413, 400 with the JSON path), instead of the framework's
/// empty 400s. The size limit is enforced here so it holds on every server, Kestrel or test host.
/// </summary>
internal static class JsonBody
{
    /// <summary>
    /// Reads the body as <typeparamref name="T"/>. <paramref name="screen"/>, when given, sees the raw JSON first and may
    /// refuse it (for fields the record does not carry); where the JSON turns out malformed, the deserializer's error is the answer.
    /// </summary>
    public static async Task<T> ReadAsync<T>(
        HttpRequest request, JsonTypeInfo<T> typeInfo, long maxBytes, CancellationToken cancellationToken, BodyScreen? screen = null)
        where T : class
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim();
        if (!string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new PortageException(ErrorKind.UnsupportedMediaType, "unsupported_media_type",
                $"Content-Type is '{request.ContentType ?? "(none)"}'; send a JSON body with 'Content-Type: application/json'.");
        }

        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            throw PortageException.BadRequest("invalid_json", "The request body is empty; send a JSON object.");
        }

        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        try
        {
            screen?.Invoke(body.Span);
        }
        catch (JsonException)
        {
            // Malformed JSON: the deserializer below says where.
        }

        try
        {
            return JsonSerializer.Deserialize(body.Span, typeInfo)
                ?? throw PortageException.BadRequest("invalid_json", "The request body is JSON null; send a JSON object.");
        }
        catch (JsonException ex)
        {
            throw JsonBodyErrors.Describe(ex, body, typeInfo);
        }
    }

    /// <summary>The 413 for a body above <paramref name="maxBytes"/>.</summary>
    public static PortageException TooLarge(long maxBytes) =>
        new(ErrorKind.PayloadTooLarge, "payload_too_large", $"The request body is larger than {maxBytes} bytes (Server:MaxRequestBodyBytes); send less.");
}
