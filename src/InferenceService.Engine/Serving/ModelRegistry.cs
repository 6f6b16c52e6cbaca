using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace InferenceService.Engine.Serving;

/// <summary>
/// The models being served and the state of each version: the stable object every request reads, holding an immutable
/// table that is swapped whole in one assignment, so readers never lock and always see a consistent table. Only the
/// lifecycle (<c>Lifecycle.ModelLifecycle</c>) writes it, serialized on a lock; a swap of one model's entry is one
/// assignment, so a request sees either the old version or the new one, never half of each.
/// </summary>
public sealed partial class ModelRegistry(ILogger<ModelRegistry> logger) : IDisposable
{
    private readonly Lock _writeGate = new();
    private volatile ImmutableSortedDictionary<string, ModelStatus> _models = ImmutableSortedDictionary<string, ModelStatus>.Empty.WithComparers(StringComparer.Ordinal);
    private volatile bool _initialLoadCompleted;

    /// <summary>Every model the repository holds, with the state of each version.</summary>
    public IEnumerable<ModelStatus> Models => _models.Values;

    /// <summary>Whether the first pass over the repository has finished (each model asked for ready or failed).</summary>
    public bool InitialLoadCompleted => _initialLoadCompleted;

    /// <summary>
    /// Ready to serve: loading finished and, when strict, every model that is meant to be loaded is ready (a model not
    /// loaded on purpose, unloaded or evicted, does not hold readiness back).
    /// </summary>
    public bool IsReady(bool strict) => _initialLoadCompleted && (!strict || _models.Values.All(m => m.IsReady || m.IsUnloaded));

    /// <summary>The repository's folder, named in no message (failure reasons say "&lt;repository&gt;" instead).</summary>
    internal string RepositoryRoot { get; set; } = string.Empty;

    internal void MarkInitialLoadCompleted() => _initialLoadCompleted = true;

    /// <summary>Changes one model's entry under the write lock: <paramref name="change"/> gets the entry (null: none) and returns the new one (null: remove it).</summary>
    internal ModelStatus? Update(string name, Func<ModelStatus?, ModelStatus?> change)
    {
        lock (_writeGate)
        {
            var next = change(_models.GetValueOrDefault(name));
            _models = next is null ? _models.Remove(name) : _models.SetItem(name, next);
            return next;
        }
    }

    /// <summary>
    /// Resolves the version to run (as <see cref="Resolve"/>) and holds it for the request (<see cref="LoadedModel.TryEnter"/>);
    /// the caller calls <see cref="LoadedModel.Exit"/> once answered. A version stopped between the two (evicted or
    /// unloaded) is resolved again, so the request finds what serves the model now.
    /// </summary>
    public LoadedModel Acquire(string name, string? version)
    {
        for (var attempt = 0; ; attempt++)
        {
            var model = Resolve(name, version);
            if (model.TryEnter())
            {
                return model;
            }
            if (attempt == 3)
            {
                throw new InferenceException(InferenceErrorKind.ModelNotReady, $"Model '{name}' version {model.Version} is being unloaded; retry.");
            }
        }
    }

    /// <summary>
    /// The version to run: the one asked for, or the newest ready one. Throws <see cref="InferenceException"/> with
    /// the client's problem: unknown model or version (404), or not ready (503).
    /// </summary>
    public LoadedModel Resolve(string name, string? version)
    {
        if (!_models.TryGetValue(name, out var model))
        {
            throw new InferenceException(InferenceErrorKind.ModelNotFound, $"Model '{name}' is not in the repository.");
        }
        if (string.IsNullOrEmpty(version))
        {
            // A loop, not a query: this runs for every request.
            ModelVersionStatus? newest = null;
            var versions = model.Versions;
            for (var i = 0; i < versions.Count; i++)
            {
                var candidate = versions[i];
                if (candidate.State == ModelState.Ready && (newest is null || candidate.Version > newest.Version))
                {
                    newest = candidate;
                }
            }
            return newest?.Model
                ?? throw new InferenceException(InferenceErrorKind.ModelNotReady, model.IsUnloaded
                    ? $"Model '{name}' is not loaded{(model.Versions.Any(v => v.State == ModelState.Draining) ? " (it is being unloaded)" : "")}."
                    : $"Model '{name}' has no ready version ({Describe(model)}).");
        }
        if (!long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            throw new InferenceException(InferenceErrorKind.ModelNotFound, $"Model '{name}' has no version '{version}': versions are positive integers.");
        }
        var status = model.Versions.FirstOrDefault(v => v.Version == number)
            ?? throw new InferenceException(InferenceErrorKind.ModelNotFound,
                $"Model '{name}' has no version {number} being served (served: {string.Join(", ", model.Versions.Select(v => v.Version))}).");
        if (status.State == ModelState.Unloaded)
        {
            throw new InferenceException(InferenceErrorKind.ModelNotReady, $"Model '{name}' version {number} is not loaded.");
        }
        return status.State == ModelState.Ready && status.Model is { } ready ? ready : throw new InferenceException(InferenceErrorKind.ModelNotReady,
            $"Model '{name}' version {number} is not ready: {status.State.ToString().ToLowerInvariant()}{(status.Reason is null ? "" : ", " + status.Reason)}");
    }

    /// <summary>The status of one model, or null when the repository has no such model.</summary>
    public ModelStatus? Find(string name) => _models.GetValueOrDefault(name);

    /// <summary>Releases every loaded session. Call after the host has stopped taking requests.</summary>
    public void Dispose()
    {
        ImmutableSortedDictionary<string, ModelStatus> models;
        lock (_writeGate)
        {
            models = _models;
            _models = _models.Clear();
        }
        foreach (var model in models.Values)
        {
            foreach (var version in model.Versions.Where(v => v.Model is not null))
            {
                version.Model!.Dispose();
                LogVersionUnloaded(logger, model.Name, version.Version, "the server is stopping");
            }
        }
    }

    private static string Describe(ModelStatus model) =>
        model.Problems.Count > 0 ? "its configuration is invalid"
        : string.Join(", ", model.Versions.Select(v => $"version {v.Version}: {v.State.ToString().ToLowerInvariant()}"));



    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} version {Version} is unloaded: {Reason}")]
    private static partial void LogVersionUnloaded(ILogger logger, string model, long version, string reason);


}
