namespace Portage.Client;

/// <summary>URL paths of the API, with every caller-supplied segment escaped.</summary>
internal static class Paths
{
    public const string Sandboxes = "/api/v1/storage/sandboxes";

    public const string ApiKeys = "/api/v1/api-keys";

    /// <summary>Retrieval, per sandbox: <c>{QuerySandboxes}/{sandbox_id}/discover</c> and so on.</summary>
    public const string QuerySandboxes = "/api/v1/query/sandboxes";

    public const string Usage = "/api/v1/usage";

    public const string Providers = "/api/v1/providers";

    /// <summary>copass-compat §7.3's shorthand ingest, into the key's default sandbox.</summary>
    public const string DefaultSandboxIngest = "/api/v1/storage/ingest";

    public static string Sandbox(string sandboxId) => $"{Sandboxes}/{Segment(sandboxId, nameof(sandboxId))}";

    public static string Runs(string sandboxId) => $"{Sandbox(sandboxId)}/agents/runs";

    public static string Sources(string sandboxId) => $"{Sandbox(sandboxId)}/sources";

    public static string Source(string sandboxId, string dataSourceId) =>
        $"{Sources(sandboxId)}/{Segment(dataSourceId, nameof(dataSourceId))}";

    public static string Segment(string value, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, paramName);
        return Uri.EscapeDataString(value);
    }

    /// <summary>Appends the non-null parameters as a query string.</summary>
    public static string Query(string path, params ReadOnlySpan<(string Name, string? Value)> parameters)
    {
        var separator = '?';
        foreach (var (name, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }

            path += $"{separator}{name}={Uri.EscapeDataString(value)}";
            separator = '&';
        }

        return path;
    }
}
