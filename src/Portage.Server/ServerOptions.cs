namespace Portage.Server;

/// <summary>Settings of the HTTP edge, bound from the <c>Server</c> configuration section.</summary>
public sealed class ServerOptions
{
    /// <summary>Largest accepted request body (bytes); larger bodies get 413. Default 1 MiB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Interval of <c>: ping</c> keep-alive comments on run streams (seconds).</summary>
    public double PingSeconds { get; set; } = 15;

    /// <summary>
    /// How often the keys of open run streams are looked up again (seconds; 0: never). A revoked key's streams end at
    /// once on every replica through the revocation signal; this catches a signal a replica missed.
    /// </summary>
    public double KeyRecheckSeconds { get; set; } = 5;
}

/// <summary>The resolved data folder, for startup messages.</summary>
/// <param name="Path">Absolute path.</param>
public sealed record DataFolderInfo(string Path);
