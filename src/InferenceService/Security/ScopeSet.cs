namespace InferenceService.Security;

/// <summary>A set of <see cref="Scopes"/> as bits: checking a request's scope is one AND, with no string compared.</summary>
[Flags]
internal enum ScopeSet
{
    None = 0,
    Infer = 1,
    Feedback = 2,
    Jobs = 4,
    Manage = 8,
    Metrics = 16,
    All = Infer | Feedback | Jobs | Manage | Metrics,
}

internal static class ScopeSets
{
    /// <summary>The bit of one scope name; None for a name that is not a scope.</summary>
    public static ScopeSet Of(string scope) => scope switch
    {
        Scopes.Infer => ScopeSet.Infer,
        Scopes.Feedback => ScopeSet.Feedback,
        Scopes.Jobs => ScopeSet.Jobs,
        Scopes.Manage => ScopeSet.Manage,
        Scopes.Metrics => ScopeSet.Metrics,
        _ => ScopeSet.None,
    };

    /// <summary>The scope names of a set, in <see cref="Scopes.All"/>'s order, for logs and messages.</summary>
    public static string Describe(ScopeSet set)
    {
        var names = Scopes.All.Where(s => (set & Of(s)) != 0).ToArray();
        return names.Length == 0 ? "none" : string.Join(", ", names);
    }

    /// <summary>
    /// Parses scope names, adding a problem for each one that is not a scope. Each entry may itself hold several
    /// names separated by commas or spaces, so that one environment variable can list them
    /// (<c>Authentication__ApiKeys__0__Scopes=infer,metrics</c>).
    /// </summary>
    public static ScopeSet Parse(IEnumerable<string> entries, string where, List<string> problems)
    {
        var set = ScopeSet.None;
        foreach (var entry in entries)
        {
            foreach (var name in entry.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var bit = Of(name.ToLowerInvariant());
                if (bit == ScopeSet.None)
                {
                    problems.Add($"{where}: '{name}' is not a scope (the scopes: {string.Join(", ", Scopes.All)}).");
                }
                set |= bit;
            }
        }
        return set;
    }
}
