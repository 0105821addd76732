using Portage.Protocol;
using Portage.Protocol.Retrieval;

namespace Portage.Client;

/// <summary>
/// <c>/api/v1/query/sandboxes/{sandbox_id}/…</c>: window-aware retrieval over a sandbox's ingested content
/// (copass-compat §6). <see cref="RetrievalRequest.History"/> drives the exclusion of what the agent already has;
/// <see cref="RetrievalRequest.Preset"/> takes the §6.5 presets, <c>…:thinking</c> on search only (anything else is
/// 400 <c>invalid_preset</c>). Each call is sent once: discover, interpret and search record what they delivered.
/// </summary>
public sealed class RetrievalResource
{
    private readonly RouterConnection _connection;

    internal RetrievalResource(RouterConnection connection) => _connection = connection;

    /// <summary>A menu of labels of what the sandbox knows about the query (<c>POST …/discover</c>).</summary>
    public Task<DiscoverResponse> DiscoverAsync(string sandboxId, RetrievalRequest request, CancellationToken cancellationToken = default) =>
        _connection.SendBodyAsync("query.discover", HttpMethod.Post, Path(sandboxId, "discover"), request, ProtocolJson.Default.DiscoverResponse, cancellationToken);

    /// <summary>A brief on chosen discover items (<c>POST …/interpret</c>; <see cref="RetrievalRequest.Items"/> required).</summary>
    public Task<InterpretResponse> InterpretAsync(string sandboxId, RetrievalRequest request, CancellationToken cancellationToken = default) =>
        _connection.SendBodyAsync("query.interpret", HttpMethod.Post, Path(sandboxId, "interpret"), request, ProtocolJson.Default.InterpretResponse, cancellationToken);

    /// <summary>An answer written from what the agent does not have yet (<c>POST …/search</c>).</summary>
    public Task<SearchResponse> SearchAsync(string sandboxId, RetrievalRequest request, CancellationToken cancellationToken = default) =>
        _connection.SendBodyAsync("query.search", HttpMethod.Post, Path(sandboxId, "search"), request, ProtocolJson.Default.SearchResponse, cancellationToken);

    /// <summary>The files behind canonical ids (<c>POST …/origins</c>; never window-aware).</summary>
    public Task<OriginsResponse> OriginsAsync(string sandboxId, OriginsRequest request, CancellationToken cancellationToken = default) =>
        _connection.SendBodyAsync("query.origins", HttpMethod.Post, Path(sandboxId, "origins"), request, ProtocolJson.Default.OriginsResponse, cancellationToken);

    private static string Path(string sandboxId, string operation) =>
        $"{Paths.QuerySandboxes}/{Paths.Segment(sandboxId, nameof(sandboxId))}/{operation}";
}
