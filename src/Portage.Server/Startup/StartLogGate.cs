namespace Portage.Server.Startup;

/// <summary>Whether the router has started, for the console log filter of the host's own lines (see Observability).</summary>
internal sealed class StartLogGate
{
    public const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    private volatile bool _started;

    public bool Started => _started;

    public void Open() => _started = true;
}
