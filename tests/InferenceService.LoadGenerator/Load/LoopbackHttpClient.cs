using System.Net;

namespace InferenceService.LoadGenerator.Load;

/// <summary>
/// The one HttpClient a run shares. Enough connections for every request that may be in flight (otherwise the client
/// itself would queue requests and hide the server's queueing), no proxy and no redirects (either could carry the
/// load to a host other than the loopback one that was checked).
/// </summary>
internal static class LoopbackHttpClient
{
    public static HttpClient Create(int maxConnections, TimeSpan requestTimeout) =>
        new(CreateHandler(maxConnections), disposeHandler: true) { Timeout = requestTimeout };

    public static SocketsHttpHandler CreateHandler(int maxConnections) => new()
    {
        MaxConnectionsPerServer = maxConnections,
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };
}
