using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace InferenceService.Hosting;

/// <summary>
/// Where Kestrel listens: the HTTP API where it always did (<c>--urls</c>, <c>ASPNETCORE_URLS</c>,
/// <c>ASPNETCORE_HTTP_PORTS</c>, else ASP.NET Core's default), and the V2 gRPC service on an HTTP/2 endpoint of its
/// own, <c>Grpc:Url</c> (Triton's port 8001 by default; empty: no gRPC endpoint). Kestrel serves either the hosting
/// addresses or the endpoints configured in code, never both, so once the gRPC endpoint is added the HTTP addresses
/// are bound here too, each as Kestrel would have bound it, and the hosting addresses are cleared.
/// </summary>
internal static class ServerEndpoints
{
    public const string GrpcUrlKey = "Grpc:Url";

    /// <summary>What ASP.NET Core binds when nothing is configured.</summary>
    private const string DefaultHttpUrl = "http://localhost:5000";

    public static WebApplicationBuilder AddServerEndpoints(this WebApplicationBuilder builder)
    {
        var grpcUrl = builder.Configuration[GrpcUrlKey];
        if (string.IsNullOrWhiteSpace(grpcUrl))
        {
            return builder;
        }
        var grpc = Parse(grpcUrl, GrpcUrlKey);
        var http = HttpAddresses(builder.Configuration);
        // The host falls back to the addresses it was started with when "urls" is empty, so it is set to a list with
        // no address in it: the host adds none, and Kestrel binds the endpoints below without an override warning.
        builder.Configuration[WebHostDefaults.ServerUrlsKey] = ";";
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var address in http)
            {
                // As Kestrel binds a hosting address: its endpoint defaults (Kestrel:EndpointDefaults) decide the protocols.
                Listen(kestrel, address, protocols: null);
            }
            // Plain-text HTTP/2 needs prior knowledge: gRPC clients speak it from the first byte, so the port takes
            // HTTP/2 only (an HTTP/1 client gets a clear protocol error rather than a hang).
            Listen(kestrel, grpc, HttpProtocols.Http2);
        });
        return builder;
    }

    /// <summary>The HTTP addresses the hosting settings name, in ASP.NET Core's order of precedence.</summary>
    internal static IReadOnlyList<Uri> HttpAddresses(IConfiguration configuration)
    {
        if (configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls)
        {
            return Split(urls).Select(url => Parse(url, "urls")).ToArray();
        }
        var ports = new List<Uri>();
        foreach (var (key, scheme) in new[] { (WebHostDefaults.HttpPortsKey, "http"), (WebHostDefaults.HttpsPortsKey, "https") })
        {
            if (configuration[key] is { Length: > 0 } list)
            {
                ports.AddRange(Split(list).Select(port => Parse($"{scheme}://*:{port}", key)));
            }
        }
        return ports.Count > 0 ? ports : [Parse(DefaultHttpUrl, "urls")];
    }

    private static string[] Split(string list) => list.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static Uri Parse(string url, string setting)
    {
        // "*" and "+" (any address) are not host names Uri accepts.
        var normalized = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"{setting}: \"{url}\" is not an http:// or https:// address, such as http://0.0.0.0:8001.");
        }
        return uri;
    }

    private static void Listen(KestrelServerOptions kestrel, Uri address, HttpProtocols? protocols)
    {
        void Configure(ListenOptions listen)
        {
            if (protocols is { } chosen)
            {
                listen.Protocols = chosen;
            }
            if (address.Scheme == "https")
            {
                listen.UseHttps();
            }
        }

        var host = address.Host;
        if (host is "0.0.0.0" or "[::]")
        {
            kestrel.ListenAnyIP(address.Port, Configure);
        }
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(address.Port, Configure);
        }
        else if (IPAddress.TryParse(address.IdnHost, out var ip))
        {
            kestrel.Listen(ip, address.Port, Configure);
        }
        else
        {
            // A host name Kestrel cannot bind to an address of its own: every address, as ASP.NET Core does for it.
            kestrel.ListenAnyIP(address.Port, Configure);
        }
    }
}
