namespace InferenceService.Engine.Repository;

/// <summary>Chooses which of a model's versions to serve, as Triton's version_policy does (default: the latest one).</summary>
public static class VersionPolicy
{
    public static IReadOnlyList<long> Select(VersionPolicyConfig? policy, IEnumerable<long> available)
    {
        var descending = available.OrderDescending().ToArray();
        if (policy?.All is not null)
        {
            return descending;
        }
        if (policy?.Specific?.Versions is { } specific)
        {
            return specific.Distinct().OrderDescending().ToArray();
        }
        var count = policy?.Latest?.NumVersions ?? 1;
        return descending.Take(Math.Max(count, 1)).ToArray();
    }
}
