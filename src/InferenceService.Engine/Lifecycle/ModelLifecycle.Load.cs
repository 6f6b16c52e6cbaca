using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Lifecycle;

/// <summary>Loading and unloading one model, under its gate.</summary>
public sealed partial class ModelLifecycle
{
    /// <summary>
    /// Loads or reloads one model under its gate. The versions the (re)read source asks for are built, except those
    /// already ready with the same files and configuration, which are kept; on success the entry is swapped whole and
    /// the replaced versions drain. On failure: a model that served before keeps serving exactly as it did (its entry
    /// notes why the reload failed); a model loaded for the first time serves the versions that loaded, and the
    /// others are FAILED with their reasons. Either way the caller gets the reason.
    /// </summary>
    private async Task<ModelStatus> LoadModelAsync(string name, ModelOverrides overrides, string reason, bool startup, CancellationToken cancellationToken, bool onlyIfUnloaded = false)
    {
        var gate = GateOf(name);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        string? uploadFolder = null;
        var started = _time.GetTimestamp();
        try
        {
            if (onlyIfUnloaded && _registry.Find(name) is { } loaded && loaded.Versions.Any(v => v.State == ModelState.Ready))
            {
                return loaded; // another request's on-demand load finished while this one waited for the gate
            }
            var source = ReadSource(name, overrides, out uploadFolder);
            var current = _registry.Find(name);
            var serving = current?.Versions.Where(v => v.State == ModelState.Ready && v.Model is not null).ToDictionary(v => v.Version, v => v.Model!) ?? [];
            if (source.Problems.Count > 0)
            {
                var invalid = WithoutPaths($"the configuration is invalid: {string.Join(" ", source.Problems)}", uploadFolder);
                LogConfigInvalid(_logger, name, string.Join(" | ", source.Problems));
                _metrics?.RecordLoad(name, succeeded: false, reason, _time.GetElapsedTime(started));
                PublishFailure(name, source, serving, invalid, new Dictionary<long, string>(), source.Problems);
                throw InferenceException.InvalidInput($"Model '{name}' cannot be loaded: {invalid}");
            }

            var plan = source.Versions.Select(v => (Source: v, Kept: serving.TryGetValue(v.Version, out var old)
                && old.Fingerprint == RepositoryFingerprint.OfVersion(source, v) && overrides.Files.Count == 0 ? old : null)).ToArray();
            var toBuild = plan.Where(p => p.Kept is null).Select(p => p.Source).ToArray();
            var budgetHeld = false;
            try
            {
                if (LoadsOnDemand && toBuild.Length > 0)
                {
                    await _budgetGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                    budgetHeld = true;
                    MakeRoom(name, EstimateBytes(name, toBuild));
                }
                PublishLoading(name, toBuild);
                var built = new Dictionary<long, LoadedModel>();
                var failures = new Dictionary<long, string>();
                var failedAfter = new Dictionary<long, TimeSpan>();
                foreach (var version in toBuild)
                {
                    LogVersionLoading(_logger, name, version.Version, reason);
                    var versionStarted = _time.GetTimestamp();
                    try
                    {
                        // The build runs ONNX Runtime's session creation and warm-up, which block: off the caller's thread.
                        built[version.Version] = await Task.Run(() => _loader.Load(source, version), CancellationToken.None).ConfigureAwait(false);
                        var model = built[version.Version];
                        LogVersionReady(_logger, name, version.Version, model.LoadDuration.TotalMilliseconds, model.MemoryBytes / (1024.0 * 1024.0), string.Join(", ", model.ExecutionProviders));
                    }
                    catch (ModelLoadException e)
                    {
                        failures[version.Version] = WithoutPaths(e.Message, uploadFolder);
                        failedAfter[version.Version] = _time.GetElapsedTime(versionStarted);
                        LogVersionFailed(_logger, name, version.Version, failures[version.Version]);
                    }
                }
                var elapsed = _time.GetElapsedTime(started);
                if (failures.Count > 0 && (serving.Count > 0 || built.Count == 0))
                {
                    // What served before serves on, exactly; what was built for the reload is released unseen.
                    foreach (var model in built.Values)
                    {
                        model.Dispose();
                    }
                    _metrics?.RecordLoad(name, succeeded: false, reason, elapsed);
                    var why = string.Join(" ", failures.Select(f => $"version {f.Key}: {f.Value}"));
                    PublishFailure(name, source, serving, why, failures, [], failedAfter);
                    throw InferenceException.InvalidInput(serving.Count > 0
                        ? $"Model '{name}' was not reloaded, the versions loaded before still serve: {why}"
                        : $"Model '{name}' failed to load: {why}");
                }

                var versions = plan.Select(p => p.Kept is { } kept
                        ? Status(name, p.Source.Version, ModelState.Ready, kept)
                        : built.TryGetValue(p.Source.Version, out var fresh)
                            ? Status(name, p.Source.Version, ModelState.Ready, fresh)
                            : new ModelVersionStatus(p.Source.Version, ModelState.Failed, failures[p.Source.Version], null, failedAfter[p.Source.Version]))
                    .ToArray();
                var kept = plan.Where(p => p.Kept is not null).Select(p => p.Kept!).ToHashSet();
                var replaced = serving.Values.Where(m => !kept.Contains(m)).ToArray();
                var swapped = Swap(name, versions);
                _measuredBytes[name] = swapped.LoadedBytes;
                DrainInBackground(replaced, replaced.Length == 0 ? "" : "a reload replaced it or the version policy dropped it");
                foreach (var dropped in replaced.Where(m => !source.Versions.Any(v => v.Version == m.Version)))
                {
                    _metrics?.RecordUnload(name, UnloadReason.VersionPolicy);
                }
                _metrics?.RecordLoad(name, succeeded: failures.Count == 0, reason, elapsed);
                if (failures.Count > 0)
                {
                    throw InferenceException.InvalidInput($"Model '{name}' loaded only in part: {string.Join(" ", failures.Select(f => $"version {f.Key}: {f.Value}"))}");
                }
                LogModelLoaded(_logger, name, string.Join(", ", versions.Select(v => v.Version)), plan.Count(p => p.Kept is not null), elapsed.TotalMilliseconds);
                return swapped;
            }
            finally
            {
                if (budgetHeld)
                {
                    _budgetGate.Release();
                }
            }
        }
        finally
        {
            gate.Release();
            if (uploadFolder is not null)
            {
                TryDelete(uploadFolder);
            }
        }
    }

    /// <summary>
    /// Unloads every version of one model under its gate: DRAINING at once (new requests are refused), UNAVAILABLE once
    /// every admitted request finished and the sessions are released. A model no longer in the repository (removed, or
    /// only ever uploaded) leaves the table.
    /// </summary>
    private async Task UnloadModelAsync(string name, string reason, CancellationToken cancellationToken)
    {
        var gate = GateOf(name);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = _registry.Find(name);
            if (current is null)
            {
                return;
            }
            var loaded = current.Versions.Where(v => v.Model is not null && v.State is ModelState.Ready or ModelState.Draining).Select(v => v.Model!).ToArray();
            _registry.Update(name, entry => entry is null ? null : entry with
            {
                Versions = entry.Versions.Select(v => v.Model is not null
                    ? Moved(name, v, ModelState.Draining, v.Model, "it is being unloaded")
                    : Moved(name, v, ModelState.Unloaded, null, null)).ToArray(),
                Problems = [],
            });
            LogModelUnloading(_logger, name, reason);
            await Task.WhenAll(loaded.Select(m => DrainAsync(m, reason))).ConfigureAwait(false);
            var stillInRepository = Directory.Exists(SourceFolder(name));
            _registry.Update(name, entry => entry is null || !stillInRepository ? null : entry with
            {
                Versions = entry.Versions.Select(v => Moved(name, v, ModelState.Unloaded, null, null)).ToArray(),
            });
            if (loaded.Length > 0)
            {
                _metrics?.RecordUnload(name, reason);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The model's source: its folder in the repository (with the configuration override), or the uploaded files alone.</summary>
    private ModelSource ReadSource(string name, ModelOverrides overrides, out string? uploadFolder)
    {
        uploadFolder = null;
        if (overrides.Files.Count > 0)
        {
            if (overrides.Config is null)
            {
                throw InferenceException.InvalidInput($"Uploading files for model '{name}' needs its configuration too: add \"config\" to the parameters.");
            }
            uploadFolder = Path.Combine(Path.GetTempPath(), "inference-service-uploads", $"{name}-{Guid.NewGuid():N}");
            foreach (var (relative, bytes) in overrides.Files)
            {
                var path = Path.Combine(uploadFolder, RepositoryNames.CheckUploadedFile(relative));
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, bytes);
            }
            return ModelRepositoryScanner.ReadModel(uploadFolder, name, single: true, overrides.Config);
        }
        var folder = SourceFolder(name);
        if (!Directory.Exists(folder))
        {
            throw new InferenceException(InferenceErrorKind.ModelNotFound, $"Model '{name}' is not in the repository.");
        }
        return ModelRepositoryScanner.ReadModel(folder, name, single: !string.IsNullOrWhiteSpace(_options.ModelName), overrides.Config);
    }

    /// <summary>The model's folder: under the repository, or the repository itself when it serves one model (ModelName).</summary>
    private string SourceFolder(string name)
    {
        if (!string.IsNullOrWhiteSpace(_options.ModelName))
        {
            return string.Equals(name, _options.ModelName, StringComparison.Ordinal) ? _root : Path.Combine(_root, "\0none");
        }
        return Path.Combine(_root, name);
    }

    private void PublishLoading(string name, IReadOnlyList<ModelVersionSource> toBuild)
    {
        if (toBuild.Count == 0)
        {
            return;
        }
        _registry.Update(name, entry =>
        {
            var versions = (entry?.Versions ?? []).ToList();
            foreach (var version in toBuild)
            {
                var index = versions.FindIndex(v => v.Version == version.Version);
                if (index < 0)
                {
                    versions.Add(Moved(name, null, version.Version, ModelState.Loading, null, null));
                }
                else if (versions[index].State != ModelState.Ready)
                {
                    // A ready version being rebuilt stays ready (it serves until its successor is swapped in).
                    versions[index] = Moved(name, versions[index], ModelState.Loading, null, null);
                }
            }
            return new ModelStatus(name, [.. versions.OrderByDescending(v => v.Version)], []);
        });
    }

    /// <summary>
    /// Records a failed (re)load: versions that served keep serving as they were (noting why the reload failed), the
    /// versions that failed are FAILED with their reasons (when nothing serves them), the rest keep their state.
    /// </summary>
    private void PublishFailure(string name, ModelSource source, Dictionary<long, LoadedModel> serving, string why, Dictionary<long, string> failures, IReadOnlyList<string> problems, Dictionary<long, TimeSpan>? failedAfter = null)
    {
        _registry.Update(name, entry =>
        {
            if (serving.Count > 0)
            {
                return entry! with
                {
                    Versions = entry.Versions
                        .Where(v => v.State == ModelState.Ready || !failures.ContainsKey(v.Version))
                        .Select(v => v.State == ModelState.Ready ? v with { Reason = $"the last reload failed: {why}" }
                            : v.State == ModelState.Loading ? Moved(name, v, ModelState.Unloaded, null, null) : v)
                        .ToArray(),
                };
            }
            var versions = source.Versions.Count > 0 ? source.Versions.Select(v => v.Version) : entry?.Versions.Select(v => v.Version) ?? [];
            return new ModelStatus(name,
                versions.Select(v => Moved(name, entry?.Versions.FirstOrDefault(x => x.Version == v), v, ModelState.Failed, null,
                    failures.TryGetValue(v, out var reason) ? reason : why) with
                {
                    LoadDuration = failedAfter?.GetValueOrDefault(v) is { } after && after > TimeSpan.Zero ? after : null,
                }).ToArray(),
                problems);
        });
    }

    private ModelStatus Swap(string name, ModelVersionStatus[] versions) =>
        _registry.Update(name, entry =>
        {
            foreach (var version in versions)
            {
                VersionTransitions.Check(name, version.Version, entry?.Versions.FirstOrDefault(v => v.Version == version.Version)?.State, version.State);
            }
            return new ModelStatus(name, versions, []);
        })!;

    private static ModelVersionStatus Status(string name, long version, ModelState state, LoadedModel model) =>
        new(version, state, null, model, model.LoadDuration);

    private static ModelVersionStatus Moved(string name, ModelVersionStatus? from, ModelState to, LoadedModel? model, string? reason) =>
        Moved(name, from, from?.Version ?? 0, to, model, reason);

    private static ModelVersionStatus Moved(string name, ModelVersionStatus? from, long version, ModelState to, LoadedModel? model, string? reason)
    {
        VersionTransitions.Check(name, version, from?.State, to);
        return new ModelVersionStatus(version, to, reason, model, from?.LoadDuration);
    }

    private void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogUploadNotDeleted(_logger, e.Message);
        }
    }
}
