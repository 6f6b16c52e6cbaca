using System.Net;
using System.Net.Sockets;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>Free TCP ports on the loopback interface, for the servers the tests start.</summary>
internal static class LoopbackPorts
{
    /// <summary>A port nothing listens on now (the system picks it; another process could take it before it is used).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
