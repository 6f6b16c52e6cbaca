using System.Net;

namespace InferenceService.LoadGenerator.Cli;

/// <summary>
/// The one rule on where load may go: a server on this machine. Load aimed at another host by a typo or a copied
/// command line would be an attack on someone else's service, so anything but a loopback address is refused before
/// a single request is sent.
/// </summary>
internal static class LoopbackTarget
{
    /// <summary>Parses a base URL and checks it names a server on this machine; returns null and says why otherwise.</summary>
    public static Uri? Parse(string? text, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri))
        {
            problem = $"--url must be an absolute http URL such as http://127.0.0.1:8080, not \"{text}\".";
            return null;
        }
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            problem = $"--url must use http or https, not {uri.Scheme}.";
            return null;
        }
        if (!IsLoopbackHost(uri.Host))
        {
            problem = $"--url host \"{uri.Host}\" is not this machine: load is only ever sent to localhost, 127.0.0.0/8 or [::1].";
            return null;
        }
        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.AbsolutePath != "/")
        {
            problem = $"--url must be the server's base URL (scheme, host and port only), not \"{text}\".";
            return null;
        }
        return uri;
    }

    /// <summary>"localhost" or a loopback IP literal. Other names are refused rather than resolved: a name can point anywhere.</summary>
    public static bool IsLoopbackHost(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        var literal = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        // IPAddress.TryParse also reads "127.1" and "2130706433" (= 127.0.0.1); only dotted quads and IPv6 are taken as written.
        return (literal.Count(c => c == '.') == 3 || literal.Contains(':', StringComparison.Ordinal))
               && IPAddress.TryParse(literal, out var address)
               && IPAddress.IsLoopback(address);
    }
}
