using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace InferenceService.Security;

/// <summary>
/// The configured API keys and what an anonymous caller may do, read once at startup from <c>Authentication</c>
/// (see <see cref="SecuritySettings"/>). <see cref="Find"/> hashes the presented key and compares the digest with
/// every configured one in constant time (<see cref="CryptographicOperations.FixedTimeEquals"/>, and no early exit),
/// so neither the time to answer nor its variation tells how much of a guess was right, or which key it was near.
/// </summary>
internal sealed class ApiKeys
{
    /// <summary>Longer presented keys are refused unhashed (a key is a few dozen characters; headers are capped anyway).</summary>
    public const int MaxKeyLength = 4096;

    private readonly ApiKey[] _keys;

    public ApiKeys(IReadOnlyList<ApiKey> keys, SecuritySettings settings, ClientQuota anonymousQuota)
    {
        _keys = [.. keys];
        Settings = settings;
        AnonymousQuota = anonymousQuota;
        _anonymousRemote = new Caller(null, Caller.AnonymousScopes(this, System.Net.IPAddress.None), anonymousQuota);
        _anonymousLocal = new Caller(null, Caller.AnonymousScopes(this, System.Net.IPAddress.Loopback), anonymousQuota);
    }

    private readonly Caller _anonymousRemote;
    private readonly Caller _anonymousLocal;

    /// <summary>The anonymous caller from <paramref name="remote"/> (made once: only loopback or not matters).</summary>
    public Caller Anonymous(System.Net.IPAddress? remote) =>
        remote is null || System.Net.IPAddress.IsLoopback(remote) ? _anonymousLocal : _anonymousRemote;

    public SecuritySettings Settings { get; }

    /// <summary>Whether any key is configured: then anonymous callers have exactly <c>AnonymousScopes</c>.</summary>
    public bool AnyConfigured => _keys.Length > 0;

    public IReadOnlyList<ApiKey> Keys => _keys;

    /// <summary>The quota every anonymous caller shares (<c>Authentication:Anonymous</c>).</summary>
    public ClientQuota AnonymousQuota { get; }

    /// <summary>The key whose hash is the presented key's; null when none is.</summary>
    public ApiKey? Find(ReadOnlySpan<char> presented)
    {
        if (presented.IsEmpty || presented.Length > MaxKeyLength)
        {
            return null;
        }
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        Digest(presented, digest);
        ApiKey? found = null;
        foreach (var key in _keys)
        {
            // Every key is compared, whichever matches.
            if (CryptographicOperations.FixedTimeEquals(digest, key.Hash))
            {
                found ??= key;
            }
        }
        CryptographicOperations.ZeroMemory(digest);
        return found;
    }

    /// <summary>SHA-256 of a key's UTF-8 bytes, as <c>KeyHash</c> holds it in hex.</summary>
    public static void Digest(ReadOnlySpan<char> key, Span<byte> digest)
    {
        var length = Encoding.UTF8.GetMaxByteCount(key.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(key, rented);
            SHA256.HashData(rented.AsSpan(0, written), digest);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(rented.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The hex SHA-256 of a key: what to put in <c>KeyHash</c> (<c>printf %s "$KEY" | sha256sum</c> gives the same).</summary>
    public static string HashOf(string key)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        Digest(key, digest);
        return Convert.ToHexStringLower(digest);
    }
}
