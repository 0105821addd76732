using System.Globalization;

namespace Portage.Core.Errors;

/// <summary>
/// The store could not take a write in time (the database is saturated or locked by another process). Nothing was
/// written; the same request can be sent again. The HTTP edge answers 503 <c>storage_busy</c> with <c>Retry-After</c>.
/// </summary>
public sealed class StorageBusyException(string detail, Exception? inner = null)
    : PortageException(ErrorKind.Unavailable, "storage_busy", detail, inner)
{
    /// <summary>The usual wait before a retry: long enough for a queue of writes to drain.</summary>
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(2);

    /// <summary>A busy store, with the standard detail.</summary>
    public static StorageBusyException Saturated(TimeSpan waited, Exception? inner = null) =>
        new(string.Create(CultureInfo.InvariantCulture,
            $"The database did not accept a write within {waited.TotalSeconds:0.#} s: the router is overloaded. Nothing was changed; retry after the Retry-After delay."), inner)
        {
            RetryAfter = DefaultRetryAfter,
        };
}
