using System.Net;
using System.Net.Sockets;

namespace Portage.Testing;

/// <summary>Ports for the processes and servers tests start on 127.0.0.1.</summary>
public static class LoopbackPort
{
    /// <summary>A port nothing listens on now: the system picks it, and it is released again at once.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
