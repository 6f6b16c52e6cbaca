using System.Net;

namespace InferenceService.Security;

/// <summary>
/// Who made a request, as the security door found it, attached to the request as a feature: the key's id (null for
/// an anonymous caller), the scopes it has and the quota it counts against. The request log and the traces name the
/// key by this id; nothing keeps the key itself.
/// </summary>
internal sealed class Caller(string? keyId, ScopeSet scopes, ClientQuota quota)
{
    public string? KeyId { get; } = keyId;

    public bool IsAnonymous => KeyId is null;

    public ScopeSet Scopes { get; } = scopes;

    public ClientQuota Quota { get; } = quota;

    public static Caller? Of(HttpContext context) => context.Features.Get<Caller>();

    /// <summary>
    /// The scopes of an anonymous caller: exactly <c>AnonymousScopes</c> (default none) once any key is configured;
    /// with none, <c>AnonymousScopes</c> (default every scope) less <c>manage</c>, which only a loopback (or Unix socket) caller gets,
    /// and only when <c>AnonymousLoopbackManagement</c> is on.
    /// </summary>
    public static ScopeSet AnonymousScopes(ApiKeys keys, IPAddress? remote)
    {
        var settings = keys.Settings;
        if (keys.AnyConfigured)
        {
            return settings.AnonymousScopes ?? ScopeSet.None;
        }
        var scopes = (settings.AnonymousScopes ?? ScopeSet.All) & ~ScopeSet.Manage;
        // No address: a Unix socket or the in-memory test server, reachable from this machine only, as loopback is.
        if (settings.AnonymousLoopbackManagement && (remote is null || IPAddress.IsLoopback(remote)))
        {
            scopes |= ScopeSet.Manage;
        }
        return scopes;
    }
}
