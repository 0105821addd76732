using System.Buffers;
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

        // A pooled buffer the size the client announced (or grown as the body comes): a run's request is read on every
        // run, and a fresh 16 KB read buffer for each was a twentieth of what a first turn allocated.
        var announced = Math.Clamp(request.ContentLength ?? 0, 1024, 1024 * 1024);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, Math.Min(announced, maxBytes)));
        try
        {
            var length = 0;
            while (true)
            {
                if (length >= maxBytes)
                {
                    // Full at the limit: one byte more is too large.
                    if (await request.Body.ReadAsync(new byte[1], cancellationToken) > 0)
                    {
                        throw TooLarge(maxBytes);
                    }

                    break;
                }

                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length, (int)Math.Min(buffer.Length - length, maxBytes - length)), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            return Deserialize(buffer.AsMemory(0, length), typeInfo, screen);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static T Deserialize<T>(ReadOnlyMemory<byte> body, JsonTypeInfo<T> typeInfo, BodyScreen? screen)
        where T : class
    {
        if (body.IsEmpty)
        {
            throw PortageException.BadRequest("invalid_json", "The request body is empty; send a JSON object.");
        }

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
