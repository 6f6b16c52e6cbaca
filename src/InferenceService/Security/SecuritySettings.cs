using System.Globalization;
using System.Security.Cryptography;

namespace InferenceService.Security;

/// <summary>
/// The <c>Authentication</c> section: API keys (<c>ApiKeys:N:Id</c>, <c>KeyHash</c> or <c>Key</c>, <c>Scopes</c>,
/// and an optional quota), the scopes of anonymous callers (<c>AnonymousScopes</c>), their shared quota
/// (<c>Anonymous:RequestsPerSecond</c> …) and <c>AnonymousLoopbackManagement</c>. Read by hand rather than bound, so
/// that every mistake is reported at once, naming the entry by index and id and never by key, and so that a list
/// of scopes may also be one comma-separated value (one environment variable).
/// </summary>
internal sealed class SecuritySettings
{
    public const string SectionName = "Authentication";

    /// <summary>Scopes of anonymous callers as configured; null when not set.</summary>
    public ScopeSet? AnonymousScopes { get; init; }

    /// <summary>With no key configured, whether anonymous callers from a loopback address also have <c>manage</c>.</summary>
    public bool AnonymousLoopbackManagement { get; init; }

    /// <summary>
    /// Reads and checks the section, building each key's limiters on <paramref name="time"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The section is wrong; the message lists every problem.</exception>
    public static ApiKeys Load(IConfiguration configuration, TimeProvider time)
    {
        var section = configuration.GetSection(SectionName);
        var problems = new List<string>();
        var keys = new List<ApiKey>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in section.GetSection("ApiKeys").GetChildren().OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue))
        {
            var id = entry["Id"]?.Trim();
            var where = $"{SectionName}:ApiKeys:{entry.Key}" + (string.IsNullOrEmpty(id) ? "" : $" ('{id}')");
            if (string.IsNullOrEmpty(id))
            {
                problems.Add($"{where}: Id is required (the name logs and metrics give the key).");
            }
            else if (!ids.Add(id))
            {
                problems.Add($"{where}: another key has the same Id.");
            }
            else if (id == "anonymous")
            {
                problems.Add($"{where}: Id 'anonymous' is what logs and metrics call callers without a key; choose another.");
            }
            else if (id.Length > 64 || id.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.')))
            {
                problems.Add($"{where}: Id must be at most 64 letters, digits, '-', '_' or '.'.");
            }
            var hash = HashOf(entry, where, problems);
            if (hash is not null && !hashes.Add(Convert.ToHexString(hash)))
            {
                problems.Add($"{where}: another key is the same key.");
            }
            var scopes = ScopeSets.Parse(ListOf(entry.GetSection("Scopes")), $"{where}: Scopes", problems);
            if (scopes == ScopeSet.None)
            {
                problems.Add($"{where}: Scopes is required (one or more of {string.Join(", ", Scopes.All)}).");
            }
            var quota = QuotaSettings.Read(entry, where, problems);
            if (hash is not null && !string.IsNullOrEmpty(id))
            {
                keys.Add(new ApiKey(id, hash, scopes, new ClientQuota(quota, time)));
            }
        }
        var anonymousSection = section.GetSection("AnonymousScopes");
        var anonymousScopes = anonymousSection.Exists()
            ? ScopeSets.Parse(ListOf(anonymousSection), $"{SectionName}:AnonymousScopes", problems)
            : (ScopeSet?)null;
        var loopback = section["AnonymousLoopbackManagement"];
        var loopbackManagement = false;
        if (!string.IsNullOrWhiteSpace(loopback) && !bool.TryParse(loopback, out loopbackManagement))
        {
            problems.Add($"{SectionName}:AnonymousLoopbackManagement must be true or false, not '{loopback}'.");
        }
        var anonymousQuota = QuotaSettings.Read(section.GetSection("Anonymous"), $"{SectionName}:Anonymous", problems);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The API key settings are not valid:\n- " + string.Join("\n- ", problems));
        }
        var settings = new SecuritySettings { AnonymousScopes = anonymousScopes, AnonymousLoopbackManagement = loopbackManagement };
        return new ApiKeys(keys, settings, new ClientQuota(anonymousQuota, time));
    }

    /// <summary>The values of a list setting: its children, or its own value (which may hold several, comma-separated).</summary>
    private static IEnumerable<string> ListOf(IConfigurationSection section) =>
        // A provider may give a parent key an empty value beside its children: children first.
        section.GetChildren().Any() ? section.GetChildren().Select(c => c.Value ?? "") : section.Value is { } value ? [value] : [];

    private static byte[]? HashOf(IConfigurationSection entry, string where, List<string> problems)
    {
        var key = entry["Key"];
        var keyHash = entry["KeyHash"]?.Trim();
        var hasKey = !string.IsNullOrEmpty(key);
        var hasHash = !string.IsNullOrEmpty(keyHash);
        if (hasKey == hasHash)
        {
            problems.Add($"{where}: give exactly one of KeyHash (the hex SHA-256 of the key) and Key.");
            return null;
        }
        if (hasKey)
        {
            if (key!.Length < 16)
            {
                problems.Add($"{where}: Key is shorter than 16 characters; use a long random key (e.g. openssl rand -hex 32).");
                return null;
            }
            var digest = new byte[SHA256.HashSizeInBytes];
            ApiKeys.Digest(key, digest);
            return digest;
        }
        if (keyHash!.Length != SHA256.HashSizeInBytes * 2 || !keyHash.All(char.IsAsciiHexDigit))
        {
            problems.Add($"{where}: KeyHash must be {SHA256.HashSizeInBytes * 2} hex digits (the SHA-256 of the key, e.g. from sha256sum).");
            return null;
        }
        return Convert.FromHexString(keyHash);
    }

    internal static string Describe(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
