using System.Net;
using System.Net.Sockets;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>Free TCP ports on the loopback interface, for the servers the tests start.</summary>
internal static class LoopbackPorts
{
    // Every port handed out in this test process. The system may give the same free port to two tests starting
    // servers at once (each asks before either server listens); then one server cannot listen, and its readiness
    // poll would be answered by the other's. Never handing a port out twice rules that out within the process.
    private static readonly HashSet<int> s_handedOut = [];

    /// <summary>A port nothing listens on now and no other caller here was given (another process could still take it).</summary>
    public static int Free()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (s_handedOut)
            {
                if (s_handedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
