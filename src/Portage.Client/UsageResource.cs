using System.Globalization;
using Portage.Protocol;
using Portage.Protocol.Accounting;

namespace Portage.Client;

/// <summary><c>GET /api/v1/usage</c>: tokens and cost of the account's runs over whole UTC days.</summary>
public sealed class UsageResource
{
    private readonly RouterConnection _connection;


    internal UsageResource(RouterConnection connection) => _connection = connection;

    /// <summary>The usage summary with every group, following the pages of groups to the end.</summary>
    /// <param name="sandboxId">One sandbox; every sandbox of the account when null.</param>
    /// <param name="from">First UTC day (server default: 29 days before <paramref name="to"/>).</param>
    /// <param name="to">Last UTC day, included (server default: today).</param>
    /// <param name="groupBy"><c>day</c>, <c>model</c>, <c>end_user</c> or <c>provider</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<UsageSummary> GetAsync(
        string? sandboxId = null, DateOnly? from = null, DateOnly? to = null, string? groupBy = null, CancellationToken cancellationToken = default)
    {
        var page = await GetPageAsync(sandboxId, from, to, groupBy, null, null, cancellationToken).ConfigureAwait(false);
        if (page.NextCursor is null)
        {
            return page;
        }

        var groups = page.Groups.ToList();
        while (page.NextCursor is { } cursor)
        {
            page = await GetPageAsync(sandboxId, from, to, groupBy, null, cursor, cancellationToken).ConfigureAwait(false);
            groups.AddRange(page.Groups);
        }

        return page with { Groups = groups };
    }

    /// <summary>
    /// The usage summary with one page of groups, in key order (<c>GET /usage?…&amp;limit=&amp;cursor=</c>); the totals
    /// always cover the whole range. Pass <see cref="UsageSummary.NextCursor"/> back as <paramref name="cursor"/> for the
    /// next groups while it is not null.
    /// </summary>
    /// <param name="sandboxId">One sandbox; every sandbox of the account when null.</param>
    /// <param name="from">First UTC day.</param>
    /// <param name="to">Last UTC day, included.</param>
    /// <param name="groupBy"><c>day</c>, <c>model</c>, <c>end_user</c> or <c>provider</c>.</param>
    /// <param name="limit">Groups per page, 1–500 (server default 100).</param>
    /// <param name="cursor">The previous page's <c>next_cursor</c>; null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<UsageSummary> GetPageAsync(
        string? sandboxId = null, DateOnly? from = null, DateOnly? to = null, string? groupBy = null, int? limit = null, string? cursor = null,
        CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "usage.get", HttpMethod.Get,
            Paths.Query(Paths.Usage, ("sandbox_id", sandboxId), ("from", Day(from)), ("to", Day(to)), ("group_by", groupBy),
                ("limit", limit?.ToString(CultureInfo.InvariantCulture)), ("cursor", cursor)),
            ProtocolJson.Default.UsageSummary, content: null, cancellationToken);

    private static string? Day(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// The credit balance (<c>GET /api/v1/usage/balance</c>): the sandbox budget's limit, spend and what is left, of the
    /// key's default sandbox unless <paramref name="sandboxId"/>; purchased and remaining are null for an unmetered sandbox.
    /// </summary>
    public Task<CreditBalance> GetBalanceAsync(string? sandboxId = null, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "usage.balance", HttpMethod.Get, Paths.Query(Paths.Usage + "/balance", ("sandbox_id", sandboxId)),
            ProtocolJson.Default.CreditBalance, content: null, cancellationToken);
}
