using System.Globalization;
using Portage.Core.Errors;

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
}
