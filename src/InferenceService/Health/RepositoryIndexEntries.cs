using InferenceService.Contracts;
using InferenceService.Engine.Serving;

namespace InferenceService.Health;

/// <summary>The repository's models and versions, flattened for the repository index and the readiness answer.</summary>
internal static class RepositoryIndexEntries
{
    public static RepositoryIndexEntry[] From(ModelRegistry registry, bool readyOnly = false) =>
        registry.Models.SelectMany(model => model.Versions.Count == 0
                ? [new RepositoryIndexEntry(model.Name, "", "FAILED", string.Join(" ", model.Problems))]
                : model.Versions.Select(v => new RepositoryIndexEntry(
                    model.Name,
                    v.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    StateName(v.State),
                    v.Reason is null && model.Problems.Count > 0 ? string.Join(" ", model.Problems) : v.Reason,
                    v.Model?.ExecutionProviders,
                    v.Model?.FallbackReasons.Count > 0 ? v.Model.FallbackReasons : null,
                    v.Model?.LoadedAt,
                    v.Model is { } loaded ? Math.Round(loaded.LoadDuration.TotalMilliseconds, 1) : null,
                    v.Model?.MemoryBytes)))
            .Where(e => !readyOnly || e.State == "READY")
            .ToArray();

    /// <summary>Triton's names: a version of the repository that is not loaded is UNAVAILABLE, one being unloaded UNLOADING.</summary>
    public static string StateName(ModelState state) => state switch
    {
        ModelState.Unloaded => "UNAVAILABLE",
        ModelState.Draining => "UNLOADING",
        _ => state.ToString().ToUpperInvariant(),
    };
}
