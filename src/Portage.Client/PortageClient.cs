namespace Portage.Client;

/// <summary>
/// The management resources of a Portage server, mirroring the Copass <c>CopassClient</c>: data sources (context
/// windows among them), sandboxes, API keys, ingest and retrieval. Reach it as <see cref="AgentRouter.Client"/>, or create one alone.
/// </summary>
public sealed class PortageClient : IDisposable
{
    private readonly RouterConnection _connection;
    private readonly bool _ownsConnection;

    /// <summary>Creates a client with its own connection settings.</summary>
    /// <exception cref="ArgumentException">The API URL is not an absolute http(s) URL.</exception>
    public PortageClient(AgentRouterOptions options)
        : this(new RouterConnection(options))
    {
        _ownsConnection = true;
    }

    internal PortageClient(RouterConnection connection)
    {
        _connection = connection;
        DataSources = new DataSourcesResource(connection);
        Sandboxes = new SandboxesResource(connection);
        ApiKeys = new ApiKeysResource(connection);
        Ingest = new IngestResource(connection);
        Retrieval = new RetrievalResource(connection);
        Runs = new RunsResource(connection);
        Usage = new UsageResource(connection);
        Providers = new ProvidersResource(connection);
    }

    /// <summary>Data sources of a sandbox, including context windows (<c>kind: ephemeral</c>).</summary>
    public DataSourcesResource DataSources { get; }

    /// <summary>Sandboxes of the account.</summary>
    public SandboxesResource Sandboxes { get; }

    /// <summary>API keys of the account.</summary>
    public ApiKeysResource ApiKeys { get; }

    /// <summary>Ingest: text into a sandbox's retrievable content, as background jobs.</summary>
    public IngestResource Ingest { get; }

    /// <summary>Window-aware retrieval: discover, interpret, search and origins (copass-compat §6).</summary>
    public RetrievalResource Retrieval { get; }

    /// <summary>Stored runs and end users of a sandbox.</summary>
    public RunsResource Runs { get; }

    /// <summary>Token and cost usage of the account.</summary>
    public UsageResource Usage { get; }

    /// <summary>The server's providers and whether each is configured (Portage extension).</summary>
    public ProvidersResource Providers { get; }

    /// <summary>Disposes the HTTP client if this client created it.</summary>
    public void Dispose()
    {
        if (_ownsConnection)
        {
            _connection.Dispose();
        }
    }
}
