namespace InferenceService.Security;

/// <summary>
/// One configured API key: its id (what logs, traces and metrics name), the SHA-256 of the key (the key itself is
/// never kept), its scopes and its quota.
/// </summary>
internal sealed class ApiKey(string id, byte[] hash, ScopeSet scopes, ClientQuota quota)
{
    public string Id { get; } = id;

    /// <summary>SHA-256 of the key's UTF-8 bytes.</summary>
    public ReadOnlySpan<byte> Hash => hash;

    public ScopeSet Scopes { get; } = scopes;

    public ClientQuota Quota { get; } = quota;

    /// <summary>The caller this key makes (one object for every request it authenticates).</summary>
    public Caller Caller { get; } = new(id, scopes, quota);
}
