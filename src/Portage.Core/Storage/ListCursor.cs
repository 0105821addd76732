namespace Portage.Core.Storage;

/// <summary>
/// A position in a list ordered by a time and then an id (data sources, end users, a window's delivery ledger): the
/// last item of the previous page. The next page starts strictly after it, so an item is never listed twice in one
/// pass, even when items share a time.
/// </summary>
/// <param name="At">The time the list is ordered by, of the last item.</param>
/// <param name="Id">The id of the last item.</param>
public sealed record ListCursor(DateTimeOffset At, string Id);
