using System.Collections.Immutable;
using System.Globalization;
using InferenceService.Engine.Repository;
using Microsoft.Extensions.Logging;

namespace InferenceService.Engine.Serving;

/// <summary>
/// The models being served and the state of each version. The whole table is an immutable dictionary swapped in one
/// assignment, so readers never lock and always see a consistent table; writers serialize on a lock.
/// </summary>
public sealed partial class ModelRegistry(ModelLoader loader, ILogger<ModelRegistry> logger) : IDisposable
{
    private readonly Lock _writeGate = new();
    private ImmutableSortedDictionary<string, ModelStatus> _models = ImmutableSortedDictionary<string, ModelStatus>.Empty.WithComparers(StringComparer.Ordinal);
    private volatile bool _initialLoadCompleted;
    private string _repositoryRoot = string.Empty;

    /// <summary>Every model the repository holds, with the state of each version.</summary>
    public IEnumerable<ModelStatus> Models => _models.Values;

    /// <summary>Whether the first pass over the repository has finished (each model ready or failed).</summary>
    public bool InitialLoadCompleted => _initialLoadCompleted;

    /// <summary>Ready to serve: loading finished and, when strict, every model version asked for is ready.</summary>
    public bool IsReady(bool strict) => _initialLoadCompleted && (!strict || _models.Values.All(m => m.IsReady));

    /// <summary>Scans the repository and loads every model version it asks for; a failure is recorded, not thrown.</summary>
    public Task LoadRepositoryAsync(string root, int concurrency, CancellationToken cancellationToken) =>
        LoadRepositoryAsync(root, singleModelName: null, concurrency, cancellationToken);

    /// <summary>
    /// As <see cref="LoadRepositoryAsync(string, int, CancellationToken)"/>; with <paramref name="singleModelName"/>,
    /// <paramref name="root"/> is one model's folder served under that name (see <see cref="ModelRepositoryScanner"/>).
    /// </summary>
    public async Task LoadRepositoryAsync(string root, string? singleModelName, int concurrency, CancellationToken cancellationToken)
    {
        _repositoryRoot = Path.GetFullPath(root);
        IReadOnlyList<ModelSource> sources;
        try
        {
            sources = ModelRepositoryScanner.Scan(root, singleModelName);
        }
        catch (IOException e)
        {
            // Nothing can be served: the server stays alive (so the log can be read) but never ready.
            LogRepositoryUnreadable(logger, root, e.Message);
            return;
        }
        foreach (var source in sources)
        {
            var state = source.Problems.Count > 0 ? ModelState.Failed : ModelState.Loading;
            // The reason is what operators and clients see in the index: every problem, so one edit can fix them all.
            var reason = source.Problems.Count > 0 ? WithoutRepositoryPath($"the configuration is invalid: {string.Join(" ", source.Problems)}") : null;
            Publish(new ModelStatus(source.Name, source.Versions.Select(v => new ModelVersionStatus(v.Version, state, reason, null)).ToArray(), source.Problems));
            if (source.Problems.Count > 0)
            {
                LogConfigInvalid(logger, source.Name, string.Join(" | ", source.Problems));
            }
        }

        var work = sources.Where(s => s.Problems.Count == 0).SelectMany(s => s.Versions.Select(v => (s, v)));
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = concurrency > 0 ? concurrency : Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };
        await Parallel.ForEachAsync(work, options, (item, _) =>
        {
            LoadVersion(item.s, item.v);
            return ValueTask.CompletedTask;
        }).ConfigureAwait(false);
        _initialLoadCompleted = true;
        LogRepositoryLoaded(logger, _models.Count, _models.Values.Count(m => m.IsReady));
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
                ?? throw new InferenceException(InferenceErrorKind.ModelNotReady, $"Model '{name}' has no ready version ({Describe(model)}).");
        }
        if (!long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            throw new InferenceException(InferenceErrorKind.ModelNotFound, $"Model '{name}' has no version '{version}': versions are positive integers.");
        }
        var status = model.Versions.FirstOrDefault(v => v.Version == number)
            ?? throw new InferenceException(InferenceErrorKind.ModelNotFound,
                $"Model '{name}' has no version {number} being served (served: {string.Join(", ", model.Versions.Select(v => v.Version))}).");
        return status.Model ?? throw new InferenceException(InferenceErrorKind.ModelNotReady,
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

    private void LoadVersion(ModelSource source, ModelVersionSource version)
    {
        LogVersionLoading(logger, source.Name, version.Version);
        var started = TimeProvider.System.GetTimestamp();
        ModelVersionStatus status;
        try
        {
            var model = loader.Load(source, version);
            var elapsed = TimeProvider.System.GetElapsedTime(started);
            status = new ModelVersionStatus(version.Version, ModelState.Ready, null, model, elapsed);
            LogVersionReady(logger, source.Name, version.Version, elapsed.TotalMilliseconds, string.Join(", ", model.ExecutionProviders));
        }
        catch (ModelLoadException e)
        {
            var elapsed = TimeProvider.System.GetElapsedTime(started);
            var reason = WithoutRepositoryPath(e.Message);
            status = new ModelVersionStatus(version.Version, ModelState.Failed, reason, null, elapsed);
            LogVersionFailed(logger, source.Name, version.Version, elapsed.TotalMilliseconds, reason);
        }
        ReplaceVersion(source.Name, status);
    }

    /// <summary>Failure reasons are shown to clients, so the server's own folders are not named in them.</summary>
    private string WithoutRepositoryPath(string message) =>
        _repositoryRoot.Length == 0 ? message : message.Replace(_repositoryRoot, "<repository>", StringComparison.Ordinal);

    private void ReplaceVersion(string name, ModelVersionStatus status)
    {
        lock (_writeGate)
        {
            var model = _models[name];
            _models = _models.SetItem(name, model with { Versions = model.Versions.Select(v => v.Version == status.Version ? status : v).ToArray() });
        }
    }

    private void Publish(ModelStatus status)
    {
        lock (_writeGate)
        {
            _models = _models.SetItem(status.Name, status);
        }
    }

    private static string Describe(ModelStatus model) =>
        model.Problems.Count > 0 ? "its configuration is invalid"
        : string.Join(", ", model.Versions.Select(v => $"version {v.Version}: {v.State.ToString().ToLowerInvariant()}"));

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} version {Version} is ready in {ElapsedMs:F0} ms on {Providers}")]
    private static partial void LogVersionReady(ILogger logger, string model, long version, double elapsedMs, string providers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} version {Version} is loading")]
    private static partial void LogVersionLoading(ILogger logger, string model, long version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {Model} version {Version} failed to load after {ElapsedMs:F0} ms: {Reason}")]
    private static partial void LogVersionFailed(ILogger logger, string model, long version, double elapsedMs, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} version {Version} is unloaded: {Reason}")]
    private static partial void LogVersionUnloaded(ILogger logger, string model, long version, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {Model} has an invalid configuration: {Problems}")]
    private static partial void LogConfigInvalid(ILogger logger, string model, string problems);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The model repository {Path} cannot be read: {Reason}")]
    private static partial void LogRepositoryUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model repository loaded: {Ready} of {Total} models ready")]
    private static partial void LogRepositoryLoaded(ILogger logger, int total, int ready);
}
