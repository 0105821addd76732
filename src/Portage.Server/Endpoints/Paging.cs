using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Portage.Core.Errors;
using Portage.Core.Storage;

namespace Portage.Server.Endpoints;

/// <summary>
/// The query parameters of the list endpoints that grow with a tenant's data: <c>limit</c> (1–500, default 100) and a
/// position to continue after (a turn's <c>after_seq</c>, or an opaque <c>cursor</c>). A page says where the next one
/// starts; no list is ever answered whole.
/// </summary>
internal static class Paging
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    /// <summary>The <c>limit</c> parameter, or 400 <c>invalid_limit</c>.</summary>
    public static int Limit(string? limit, int defaultLimit = DefaultLimit, int maxLimit = MaxLimit)
    {
        if (limit is null)
        {
            return defaultLimit;
        }

        return int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size >= 1 && size <= maxLimit
            ? size
            : throw PortageException.BadRequest("invalid_limit", $"limit is a whole number from 1 to {maxLimit} (default {defaultLimit}).");
    }

    /// <summary>The <c>after_seq</c> parameter (0 when absent), or 400 <c>invalid_after_seq</c>.</summary>
    public static long AfterSeq(string? afterSeq)
    {
        if (afterSeq is null)
        {
            return 0;
        }

        return long.TryParse(afterSeq, NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            ? seq
            : throw PortageException.BadRequest("invalid_after_seq",
                "after_seq is a turn's seq, a whole number ≥ 0 (0 or omitted: from the first turn); pass a page's next_after_seq to read the next page.");
    }

    /// <summary>
    /// A cursor for the item after which the next page starts. Opaque to clients: base64url of
    /// <c>"&lt;UTC ticks&gt;:&lt;id&gt;"</c>, ticks keeping the store's full time precision.
    /// </summary>
    public static string Cursor(DateTimeOffset at, string id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(at.UtcTicks.ToString(CultureInfo.InvariantCulture) + ":" + id));

    /// <summary>A cursor of <see cref="Cursor(DateTimeOffset, string)"/>, null when absent, or 400 <c>invalid_cursor</c>.</summary>
    public static ListCursor? After(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        var text = Decode(cursor);
        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        return colon > 0 && colon < text!.Length - 1
            && long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks <= DateTimeOffset.MaxValue.UtcTicks
            ? new ListCursor(new DateTimeOffset(ticks, TimeSpan.Zero), text[(colon + 1)..])
            : throw InvalidCursor();
    }

    /// <summary>A cursor for a list ordered by a text key alone (usage groups): base64url of the key.</summary>
    public static string KeyCursor(string key) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(key));

    /// <summary>A cursor of <see cref="KeyCursor"/>, null when absent, or 400 <c>invalid_cursor</c>.</summary>
    public static string? AfterKey(string? cursor) => cursor is null ? null : Decode(cursor) ?? throw InvalidCursor();

    private static string? Decode(string cursor)
    {
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static PortageException InvalidCursor() =>
        PortageException.BadRequest("invalid_cursor", "cursor must be a next_cursor value returned by this endpoint (omit it for the first page).");
}
