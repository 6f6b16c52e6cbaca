using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Lifecycle;

/// <summary>
/// The memory budget: before a load (under the budget's gate), the least recently used idle models are unloaded until
/// the new one fits within <c>MemoryBudgetBytes</c> and <c>MaxLoadedModels</c>. A model is idle when no request holds
/// any of its versions; its versions are stopped together, atomically with that check (<see cref="LoadedModel.TryStop"/>),
/// so a model with requests in flight is never evicted.
/// </summary>
public sealed partial class ModelLifecycle
{
    /// <summary>What loading <paramref name="versions"/> of <paramref name="name"/> will take: its last measured size, else its model files' size.</summary>
    private long EstimateBytes(string name, IReadOnlyList<ModelVersionSource> versions) =>
        _measuredBytes.TryGetValue(name, out var measured) && measured > 0
            ? measured
            : versions.Sum(v => File.Exists(v.ModelPath) ? new FileInfo(v.ModelPath).Length : 0);

    /// <summary>Evicts idle models, least recently used first, until <paramref name="needed"/> more bytes and one more model fit; throws a 503 when they cannot.</summary>
    private void MakeRoom(string name, long needed)
    {
        while (true)
        {
            var loaded = _registry.Models.Where(m => m.Name != name && m.Versions.Any(v => v.State == ModelState.Ready && v.Model is not null)).ToArray();
            var bytes = loaded.Sum(m => m.LoadedBytes);
            var fitsCount = _options.MaxLoadedModels <= 0 || loaded.Length + 1 <= _options.MaxLoadedModels;
            var fitsBytes = _options.MemoryBudgetBytes <= 0 || bytes + needed <= _options.MemoryBudgetBytes;
            if ((fitsCount && fitsBytes) || loaded.Length == 0)
            {
                return; // a model larger than the whole budget is still served, alone
            }
            var victim = loaded
                .OrderBy(m => m.Versions.Where(v => v.Model is not null).Max(v => v.Model!.LastUsed))
                .FirstOrDefault(TryStopWhole);
            if (victim is null)
            {
                throw new InferenceException(InferenceErrorKind.Overloaded, fitsCount
                    ? $"Model '{name}' needs about {needed} bytes and the memory budget ({_options.MemoryBudgetBytes} bytes) is full of models with requests in flight; retry later."
                    : $"Model '{name}' cannot be loaded now: {_options.MaxLoadedModels} models are loaded, the limit, and each has requests in flight; retry later.");
            }
            Evict(victim);
        }
    }

    /// <summary>Stops every version of <paramref name="model"/> if none is held; otherwise stops none.</summary>
    private static bool TryStopWhole(ModelStatus model)
    {
        var versions = model.Versions.Where(v => v.State == ModelState.Ready && v.Model is not null).Select(v => v.Model!).ToArray();
        var stopped = new List<LoadedModel>(versions.Length);
        foreach (var version in versions)
        {
            if (!version.TryStop())
            {
                stopped.ForEach(v => v.Resume());
                return false;
            }
            stopped.Add(version);
        }
        return true;
    }

    /// <summary>Unloads a model whose versions were stopped idle: nothing to drain, so it is UNAVAILABLE at once.</summary>
    private void Evict(ModelStatus victim)
    {
        var models = victim.Versions.Where(v => v.State == ModelState.Ready && v.Model is not null).Select(v => v.Model!).ToHashSet();
        _registry.Update(victim.Name, entry => entry is null ? null : entry with
        {
            Versions = entry.Versions.Select(v => v.Model is { } m && models.Contains(m)
                ? Moved(victim.Name, v, ModelState.Unloaded, null, "evicted to stay within the memory budget")
                : v).ToArray(),
        });
        LogEvicted(_logger, victim.Name, victim.LoadedBytes);
        _metrics?.RecordEviction(victim.Name);
        _metrics?.RecordUnload(victim.Name, UnloadReason.Eviction);
        DrainInBackground(models, "evicted to stay within the memory budget");
    }
}
