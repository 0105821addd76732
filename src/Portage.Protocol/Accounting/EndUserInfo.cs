namespace Portage.Protocol.Accounting;

/// <summary>An end user of a sandbox with their windows, runs and usage (a Portage extension for the console).</summary>
public sealed record EndUserInfo : TokenTotals
{
    /// <summary>The end user id the caller chose.</summary>
    public required string EndUserId { get; init; }

    /// <summary>Windows (ephemeral data sources) of the end user, in any status.</summary>
    public long WindowCount { get; init; }

    /// <summary>Runs of the end user, in any status.</summary>
    public long RunCount { get; init; }

    /// <summary>The latest activity of their windows or runs (UTC).</summary>
    public DateTimeOffset? LastActiveAt { get; init; }
}

/// <summary>
/// A page of the end users of a sandbox, most recently active first (<c>limit</c>, 100 by default).
/// <see cref="Count"/> counts this page's end users.
/// </summary>
public sealed record EndUserList(IReadOnlyList<EndUserInfo> EndUsers, int Count)
{
    /// <summary>Pass it back as <c>cursor</c> for the next page; null on the last page.</summary>
    public string? NextCursor { get; init; }
}
