using System.Globalization;
using Portage.Protocol;
using Portage.Protocol.Accounting;

namespace Portage.Client;

/// <summary><c>GET /api/v1/usage</c>: tokens and cost of the account's runs over whole UTC days.</summary>
public sealed class UsageResource
{
    private readonly RouterConnection _connection;

    internal UsageResource(RouterConnection connection) => _connection = connection;

    /// <summary>The usage summary.</summary>
    /// <param name="sandboxId">One sandbox; every sandbox of the account when null.</param>
    /// <param name="from">First UTC day (server default: 29 days before <paramref name="to"/>).</param>
    /// <param name="to">Last UTC day, included (server default: today).</param>
    /// <param name="groupBy"><c>day</c>, <c>model</c>, <c>end_user</c> or <c>provider</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<UsageSummary> GetAsync(
        string? sandboxId = null, DateOnly? from = null, DateOnly? to = null, string? groupBy = null, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "usage.get", HttpMethod.Get,
            Paths.Query(Paths.Usage, ("sandbox_id", sandboxId), ("from", Day(from)), ("to", Day(to)), ("group_by", groupBy)),
            ProtocolJson.Default.UsageSummary, content: null, cancellationToken);

    private static string? Day(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
