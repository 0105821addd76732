namespace Portage.Client;

/// <summary>Connection settings of an <see cref="AgentRouter"/> or <see cref="PortageClient"/>.</summary>
public sealed class AgentRouterOptions
{
    /// <summary>The URL a Portage server listens on by default.</summary>
    public const string DefaultApiUrl = "http://127.0.0.1:5757";

    /// <summary>
    /// The API key, sent as <c>Authorization: Bearer &lt;key&gt;</c> on every call. Leave it null only when
    /// <see cref="HttpClient"/> already carries the header.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>The default sandbox of <see cref="AgentRouter.RunAsync"/>; a per-call sandbox id overrides it.</summary>
    public string? SandboxId { get; set; }

    /// <summary>
    /// Base URL of the server; a trailing <c>/</c> is ignored. When null, the injected <see cref="HttpClient"/>'s
    /// <see cref="System.Net.Http.HttpClient.BaseAddress"/> is used if it has one, else <see cref="DefaultApiUrl"/>.
    /// </summary>
    public string? ApiUrl { get; set; }

    /// <summary>
    /// An HTTP client to send requests with (for example a <c>WebApplicationFactory</c> client). It is not disposed
    /// by the router. When null, the router creates and owns one.
    /// </summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>
    /// Attempts of an idempotent JSON call (GET) that fails with a 5xx status or a network error. Runs are never
    /// retried. Default 3.
    /// </summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Delay before the first retry; each further retry doubles it. Default one second.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);
}
