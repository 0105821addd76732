using System.Globalization;
using Portage.Protocol;
using Portage.Protocol.Sources;

namespace Portage.Client;

/// <summary>
/// <c>/api/v1/storage/sandboxes/{sandbox_id}/sources</c>: data sources of a sandbox. A context window is a data
/// source with <c>kind: ephemeral</c>; its id is the <c>context_window_id</c> of a run.
/// </summary>
public sealed class DataSourcesResource
{
    private readonly RouterConnection _connection;

    internal DataSourcesResource(RouterConnection connection) => _connection = connection;

    /// <summary>
    /// Archives a data source at once (<c>POST …/sources/{id}/archive</c>); idempotent. An archived context window
    /// keeps its turns but is never continued implicitly again.
    /// </summary>
    public Task<StatusResponse> ArchiveAsync(
        string sandboxId, string dataSourceId, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "dataSources.archive", HttpMethod.Post, $"{Paths.Source(sandboxId, dataSourceId)}/archive",
            ProtocolJson.Default.StatusResponse, content: null, cancellationToken);

    /// <summary>Disconnects a data source (<c>POST …/sources/{id}/disconnect</c>); for a context window, the same as archive.</summary>
    public Task<StatusResponse> DisconnectAsync(
        string sandboxId, string dataSourceId, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "dataSources.disconnect", HttpMethod.Post, $"{Paths.Source(sandboxId, dataSourceId)}/disconnect",
            ProtocolJson.Default.StatusResponse, content: null, cancellationToken);

    /// <summary>Gets one data source (<c>GET …/sources/{id}</c>).</summary>
    public Task<DataSource> GetAsync(
        string sandboxId, string dataSourceId, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "dataSources.get", HttpMethod.Get, Paths.Source(sandboxId, dataSourceId),
            ProtocolJson.Default.DataSource, content: null, cancellationToken);

    /// <summary>Lists data sources (<c>GET …/sources?kind=…&amp;end_user_id=…</c>).</summary>
    /// <param name="sandboxId">The sandbox.</param>
    /// <param name="kind"><c>ephemeral</c> for context windows, <c>durable</c> for the rest, null for all.</param>
    /// <param name="endUserId">Only the windows of this end user.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<DataSourceList> ListAsync(
        string sandboxId, string? kind = null, string? endUserId = null, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "dataSources.list", HttpMethod.Get, Paths.Query(Paths.Sources(sandboxId), ("kind", kind), ("end_user_id", endUserId)),
            ProtocolJson.Default.DataSourceList, content: null, cancellationToken);

    /// <summary>Reads the turns of a context window in order (<c>GET …/sources/{id}/turns</c>, Portage extension).</summary>
    /// <param name="sandboxId">The sandbox.</param>
    /// <param name="contextWindowId">The window (a <c>context_window_id</c>).</param>
    /// <param name="endUserId">When given, a window of another end user answers 404.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<WindowTurnList> GetTurnsAsync(
        string sandboxId, string contextWindowId, string? endUserId = null, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "dataSources.turns", HttpMethod.Get,
            Paths.Query($"{Paths.Source(sandboxId, contextWindowId)}/turns", ("end_user_id", endUserId)),
            ProtocolJson.Default.WindowTurnList, content: null, cancellationToken);

    /// <summary>
    /// Archives every context window inactive for at least <paramref name="inactivitySeconds"/>
    /// (<c>POST …/sources/_sweep_ephemeral?inactivity_seconds=N</c>).
    /// </summary>
    public Task<SweepResponse> SweepEphemeralAsync(
        string sandboxId, long inactivitySeconds, CancellationToken cancellationToken = default) =>
        _connection.SendJsonAsync(
            "dataSources.sweepEphemeral", HttpMethod.Post,
            Paths.Query($"{Paths.Sources(sandboxId)}/_sweep_ephemeral",
                ("inactivity_seconds", inactivitySeconds.ToString(CultureInfo.InvariantCulture))),
            ProtocolJson.Default.SweepResponse, content: null, cancellationToken);
}
