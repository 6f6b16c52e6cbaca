using System.Globalization;
using InferenceService.Contracts;
using InferenceService.Engine.Serving;

namespace InferenceService.Health;

/// <summary>The repository's models and versions, flattened for the repository index and the readiness answer.</summary>
internal static class RepositoryIndexEntries
{
    public static RepositoryIndexEntry[] From(ModelRegistry registry) =>
        registry.Models.SelectMany(model => model.Versions.Count == 0
                ? [new RepositoryIndexEntry(model.Name, "", "FAILED", string.Join(" ", model.Problems))]
                : model.Versions.Select(v => new RepositoryIndexEntry(
                    model.Name,
                    v.Version.ToString(CultureInfo.InvariantCulture),
                    v.State.ToString().ToUpperInvariant(),
                    v.Reason is null && model.Problems.Count > 0 ? string.Join(" ", model.Problems) : v.Reason,
                    v.Model?.ExecutionProviders,
                    v.Model?.FallbackReasons.Count > 0 ? v.Model.FallbackReasons : null)))
            .ToArray();
}
