using System.CommandLine;
using Portage.Client;
using Portage.Core.Tenancy;

namespace Portage.Cli;

/// <summary>
/// The global connection options and how they are resolved: option, else environment variable, else the
/// <c>credentials.json</c> the server wrote on first start, else (for the URL) the default local address.
/// </summary>
internal sealed class ConnectionOptions
{
    public const string UrlVariable = "PORTAGE_URL";
    public const string ApiKeyVariable = "PORTAGE_API_KEY";
    public const string SandboxVariable = "PORTAGE_SANDBOX_ID";

    public Option<string?> Url { get; } = new("--url")
    {
        Description = $"Server URL (env {UrlVariable}; default: credentials.json, else {AgentRouterOptions.DefaultApiUrl})",
        Recursive = true,
    };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = $"API key (env {ApiKeyVariable}; default: credentials.json of the data folder)",
        Recursive = true,
    };

    public Option<string?> Sandbox { get; } = new("--sandbox")
    {
        Description = $"Sandbox id (env {SandboxVariable}; default: credentials.json of the data folder)",
        Recursive = true,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Url);
        command.Options.Add(ApiKey);
        command.Options.Add(Sandbox);
    }

    /// <summary>The URL alone: never fails, needs no key (used by <c>serve</c> and for error messages).</summary>
    public string ResolveUrl(ParseResult parseResult, CliHost host) =>
        Normalize(FirstSet(parseResult.GetValue(Url), host.GetEnvironmentVariable(UrlVariable))
            ?? ReadCredentials(host)?.ApiUrl
            ?? AgentRouterOptions.DefaultApiUrl);

    /// <summary>Resolves all three settings.</summary>
    /// <exception cref="CliException">No API key or no sandbox id could be found.</exception>
    public Connection Resolve(ParseResult parseResult, CliHost host)
    {
        var url = FirstSet(parseResult.GetValue(Url), host.GetEnvironmentVariable(UrlVariable));
        var key = FirstSet(parseResult.GetValue(ApiKey), host.GetEnvironmentVariable(ApiKeyVariable));
        var sandbox = FirstSet(parseResult.GetValue(Sandbox), host.GetEnvironmentVariable(SandboxVariable));

        if (url is null || key is null || sandbox is null)
        {
            var credentials = ReadCredentials(host);
            url ??= credentials?.ApiUrl;
            key ??= credentials?.ApiKey;
            sandbox ??= credentials?.SandboxId;
        }

        if (string.IsNullOrEmpty(key))
        {
            throw new CliException(
                $"no API key: start the server once (portage serve), or set {ApiKeyVariable}; lost {LocalCredentials.FileName}? " +
                "stop the server and run `portage keys create --local`");
        }

        if (string.IsNullOrEmpty(sandbox))
        {
            throw new CliException(
                $"no sandbox id: start the server once (portage serve) or set {SandboxVariable}");
        }

        return new Connection(Normalize(url ?? AgentRouterOptions.DefaultApiUrl), key, sandbox);
    }

    private static LocalCredentials? ReadCredentials(CliHost host) => LocalCredentials.TryRead(host.ResolveDataFolder());

    private static string? FirstSet(params ReadOnlySpan<string?> values)
    {
        foreach (var value in values)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                return value.Trim();
            }
        }

        return null;
    }

    private static string Normalize(string url) => url.TrimEnd('/');
}

/// <summary>Resolved connection settings of one command.</summary>
internal sealed record Connection(string Url, string ApiKey, string SandboxId)
{
    public AgentRouter CreateRouter(CliHost host)
    {
        try
        {
            return new AgentRouter(new AgentRouterOptions
            {
                ApiUrl = Url,
                ApiKey = ApiKey,
                SandboxId = SandboxId,
                HttpClient = host.HttpHandler is null ? null : new HttpClient(host.HttpHandler, disposeHandler: false),
                RetryBaseDelay = host.RetryBaseDelay,
            });
        }
        catch (ArgumentException ex)
        {
            throw new CliException($"invalid server URL '{Url}': expected something like {AgentRouterOptions.DefaultApiUrl}", ex);
        }
    }
}
