using System.Collections.Concurrent;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Telemetry;
using Microsoft.Extensions.Logging;

namespace InferenceService.Engine.Lifecycle;

/// <summary>
/// Loads, reloads and unloads the repository's models: the one owner of every version's state (see
/// <see cref="ModelState"/> and <see cref="VersionTransitions"/>), publishing each change into the
/// <see cref="ModelRegistry"/>, whose table requests read without locks. The HTTP routes and the gRPC service call the
/// same small API: <see cref="LoadAsync"/>, <see cref="UnloadAsync"/>, and <see cref="AcquireAsync"/> for requests.
/// <para>
/// Guarantees. A reload builds the new versions beside the serving ones (sessions, warm-up, scheduler), swaps the
/// model's entry in one assignment, then drains each replaced version: requests that resolved it finish there (it
/// counts them, <see cref="LoadedModel.TryEnter"/>), new ones reach the new version; then its sessions are released.
/// A version whose files and configuration did not change is kept as it is (its statistics and accuracy go on). A
/// reload that fails leaves what served before serving and says why. An unload turns the model's readiness off at
/// once, lets admitted requests finish, then releases its memory.
/// </para>
/// <para>
/// Locks: one gate per model serializes its loads and unloads (different models load side by side); with a memory
/// budget, one more gate serializes every load so each is measured alone and the budget is decided on a settled
/// table. A model's gate is always taken before the budget's, never the other way round, and an eviction never takes
/// its victim's gate (it stops the victim's idle versions atomically instead), so the two cannot deadlock.
/// </para>
/// </summary>
public sealed partial class ModelLifecycle : IAsyncDisposable
{
    private static readonly TimeSpan s_drainCheck = TimeSpan.FromMilliseconds(10);

    private readonly ModelRegistry _registry;
    private readonly ModelLoader _loader;
    private readonly ModelRepositoryOptions _options;
    private readonly TimeProvider _time;
    private readonly LifecycleMetrics? _metrics;
    private readonly ILogger<ModelLifecycle> _logger;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _budgetGate = new(1, 1);
    private readonly ConcurrentDictionary<string, long> _measuredBytes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _drains = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _root;
    private Task _pollLoop = Task.CompletedTask;

    public ModelLifecycle(ModelRegistry registry, ModelLoader loader, ModelRepositoryOptions options, TimeProvider time, ILogger<ModelLifecycle> logger, LifecycleMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _registry = registry;
        _loader = loader;
        _options = options;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _root = options.ResolvePath();
        _registry.RepositoryRoot = _root;
    }

    /// <summary>Who decides which models are loaded.</summary>
    public ModelControlMode Mode => _options.ControlMode;

    /// <summary>Whether a request for a model that is not loaded loads it (a memory budget or a model limit is set).</summary>
    public bool LoadsOnDemand => _options.LoadsOnDemand;

    /// <summary>Scans made by the poll so far (tests wait on it).</summary>
    public long Polls => Interlocked.Read(ref _polls);

    /// <summary>
    /// Makes ONNX Runtime's environment (its native library, its log bridge), then loads the repository as the control
    /// mode says. A native library that cannot be loaded is logged and leaves the server alive but never ready.
    /// </summary>
    public async Task StartAsync(OnnxRuntimeEnvironmentOptions runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        try
        {
            var environment = OnnxRuntimeEnvironment.Initialize(runtime);
            LogRuntime(_logger, environment.Version, environment.LibraryPath ?? "the NuGet package", string.Join(", ", environment.AvailableProviders));
        }
        catch (Exception e) when (e is DllNotFoundException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or NotSupportedException or InvalidOperationException or TypeInitializationException)
        {
            LogRuntimeMissing(_logger, e.Message);
            return;
        }
        await StartRepositoryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The first pass over the repository: every model is listed (UNAVAILABLE until loaded), then the ones the control
    /// mode asks for are loaded (all under none and poll, <c>LoadModels</c> under explicit; with a budget, in name
    /// order while they fit). Readiness waits for this pass; poll mode then follows the repository.
    /// </summary>
    public async Task StartRepositoryAsync(CancellationToken cancellationToken)
    {
        LogLoading(_logger, Mode.ToString().ToLowerInvariant(), _root);
        IReadOnlyList<ModelSource> sources;
        try
        {
            sources = ModelRepositoryScanner.Scan(_root, _options.ModelName);
        }
        catch (IOException e)
        {
            // Nothing can be served: the server stays alive (so the log can be read) but never ready.
            LogRepositoryUnreadable(_logger, _root, e.Message);
            return;
        }
        foreach (var source in sources)
        {
            PublishUnloaded(source);
        }
        var wanted = Mode == ModelControlMode.Explicit ? _options.StartupModels() : null;
        var names = sources.Select(s => s.Name).Where(n => wanted is null || wanted.Contains(n)).ToArray();
        foreach (var missing in wanted?.Where(n => !sources.Any(s => s.Name == n)) ?? [])
        {
            LogStartupModelMissing(_logger, missing);
        }
        if (Mode == ModelControlMode.Poll)
        {
            foreach (var source in sources)
            {
                _seen[source.Name] = _applied[source.Name] = RepositoryFingerprint.OfModelFolder(source.Directory);
            }
        }

        var options = new ParallelOptions
        {
            // With a budget, one at a time: each load is measured alone and decides what still fits.
            MaxDegreeOfParallelism = LoadsOnDemand ? 1 : _options.LoadConcurrency > 0 ? _options.LoadConcurrency : Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };
        await Parallel.ForEachAsync(names, options, async (name, token) =>
        {
            try
            {
                await LoadModelAsync(name, ModelOverrides.None, LoadReason.Startup, startup: true, token).ConfigureAwait(false);
            }
            catch (InferenceException e)
            {
                // Recorded in the model's entry and logged where it failed; the others load on.
                LogStartupLoadSkipped(_logger, name, e.Message);
            }
        }).ConfigureAwait(false);
        _registry.MarkInitialLoadCompleted();
        LogRepositoryLoaded(_logger, _registry.Models.Count(), _registry.Models.Count(m => m.IsReady));
        if (Mode == ModelControlMode.Poll)
        {
            _pollLoop = PollLoopAsync(_stopping.Token);
        }
    }

    /// <summary>
    /// Loads <paramref name="name"/>, or reloads it when it is loaded (config.json and the version folders are read
    /// again; with <paramref name="overrides"/>, its configuration and files are those). Completes when the model is
    /// ready; throws <see cref="InferenceException"/> with the reason when it is not (what served before still does).
    /// </summary>
    public async Task<ModelStatus> LoadAsync(string name, ModelOverrides? overrides, CancellationToken cancellationToken)
    {
        RefuseUnlessControlled("load");
        RepositoryNames.CheckModelName(name, _root);
        return await LoadModelAsync(name, overrides ?? ModelOverrides.None, LoadReason.Requested, startup: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Unloads <paramref name="name"/>: its readiness goes false at once (new requests are refused), admitted requests
    /// finish, then its sessions are released. Completes once they are.
    /// </summary>
    public async Task UnloadAsync(string name, CancellationToken cancellationToken)
    {
        RefuseUnlessControlled("unload");
        RepositoryNames.CheckModelName(name, _root);
        if (_registry.Find(name) is null)
        {
            throw new InferenceException(InferenceErrorKind.ModelNotFound, $"Model '{name}' is not in the repository.");
        }
        await UnloadModelAsync(name, UnloadReason.Requested, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The version a request runs on, held for it (<see cref="LoadedModel.Exit"/> once answered). When the model is in
    /// the repository but not loaded and models load on demand, it is loaded first: the request waits, up to
    /// <c>OnDemandLoadTimeoutSeconds</c> or its own cancellation.
    /// </summary>
    public async ValueTask<LoadedModel> AcquireAsync(string name, string? version, CancellationToken cancellationToken)
    {
        try
        {
            return _registry.Acquire(name, version);
        }
        catch (InferenceException e) when (e.Kind == InferenceErrorKind.ModelNotReady && LoadsOnDemand
            && _registry.Find(name) is { Problems.Count: 0 } status && status.Versions.All(v => v.State is ModelState.Unloaded or ModelState.Draining or ModelState.Loading))
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(_options.OnDemandLoadTimeoutSeconds));
            try
            {
                await LoadModelAsync(name, ModelOverrides.None, LoadReason.OnDemand, startup: false, timeout.Token, onlyIfUnloaded: true).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new InferenceException(InferenceErrorKind.ModelNotReady,
                    $"Model '{name}' did not load within {_options.OnDemandLoadTimeoutSeconds:0.###} s; retry.");
            }
            return _registry.Acquire(name, version);
        }
    }

    /// <summary>Stops polling, then releases every version (the host has stopped taking requests).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _pollLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAll(_drains.Keys).ConfigureAwait(false);
        foreach (var model in _registry.Models)
        {
            if (model.Versions.Any(v => v.Model is not null))
            {
                _metrics?.RecordUnload(model.Name, UnloadReason.Stopping);
            }
        }
        _registry.Dispose();
        _stopping.Dispose();
    }

    private void RefuseUnlessControlled(string what)
    {
        if (Mode != ModelControlMode.Explicit)
        {
            throw new InferenceException(InferenceErrorKind.PreconditionFailed, Mode == ModelControlMode.None
                ? $"Models cannot be {what}ed: the server loads its repository at startup (ModelRepository:ControlMode is none); set it to explicit to {what} models through the API."
                : $"Models cannot be {what}ed through the API while the server follows the repository (ModelRepository:ControlMode is poll): change the repository's files instead.");
        }
    }

    private SemaphoreSlim GateOf(string name) => _gates.GetOrAdd(name, static _ => new SemaphoreSlim(1, 1));

    /// <summary>Lists a model found by a scan as UNAVAILABLE (or FAILED with its configuration's problems), unless it already has an entry.</summary>
    private void PublishUnloaded(ModelSource source)
    {
        _registry.Update(source.Name, current => current ?? new ModelStatus(
            source.Name,
            source.Versions.Select(v => new ModelVersionStatus(v.Version, ModelState.Unloaded, null, null)).ToArray(),
            []));
    }

    /// <summary>Waits until no request holds <paramref name="model"/> (or the drain's time is up), then releases it.</summary>
    private async Task DrainAsync(LoadedModel model, string why)
    {
        var limit = TimeSpan.FromSeconds(_options.DrainTimeoutSeconds);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!model.TryStop() && !(model.IsStopped && model.Users == 0))
        {
            if (clock.Elapsed >= limit)
            {
                LogDrainTimedOut(_logger, model.Name, model.Version, model.Users, limit.TotalSeconds);
                model.ForceStop();
                break;
            }
            await Task.Delay(s_drainCheck).ConfigureAwait(false);
        }
        // The scheduler's disposal joins its instance threads: not on a thread the pool needs.
        await Task.Run(() =>
        {
            model.Dispose();
            NativeHeap.Trim(); // the released sessions' memory back to the system
        }).ConfigureAwait(false);
        LogVersionUnloaded(_logger, model.Name, model.Version, why);
    }

    /// <summary>Drains and releases <paramref name="models"/> in the background (a reload's replaced versions); disposal waits for it.</summary>
    private void DrainInBackground(IEnumerable<LoadedModel> models, string why)
    {
        foreach (var model in models)
        {
            var drain = DrainAsync(model, why);
            _drains.TryAdd(drain, 0);
            _ = drain.ContinueWith(t => _drains.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Failure reasons are shown to clients, so the server's own folders are not named in them.</summary>
    private string WithoutPaths(string message, string? uploadFolder = null)
    {
        if (uploadFolder is not null)
        {
            message = message.Replace(uploadFolder, "<upload>", StringComparison.Ordinal);
        }
        return _root.Length == 0 ? message : message.Replace(_root, "<repository>", StringComparison.Ordinal);
    }

    /// <summary>Why the lifecycle loaded a model, as the metrics' reason tag says it.</summary>
    private static class LoadReason
    {
        public const string Startup = "startup";
        public const string Requested = "requested";
        public const string Poll = "poll";
        public const string OnDemand = "on_demand";
    }

    /// <summary>Why the lifecycle unloaded a model or version.</summary>
    private static class UnloadReason
    {
        public const string Requested = "requested";
        public const string Poll = "poll";
        public const string Eviction = "eviction";
        public const string VersionPolicy = "version_policy";
        public const string Replaced = "replaced";
        public const string Stopping = "stopping";
    }
}
