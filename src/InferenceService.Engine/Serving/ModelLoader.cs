using InferenceService.Engine.Repository;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.Extensions.Logging;

namespace InferenceService.Engine.Serving;

/// <summary>
/// Builds a <see cref="LoadedModel"/> from a model version on disk: its sessions (one per instance, threads sized so
/// instances do not oversubscribe the cores), the check of config.json against the model, the labels, the warm-up of
/// every instance (<see cref="ModelWarmup"/>: the configured samples must pass; a warm-up of our own making is best
/// effort), and the version's scheduler, which the version owns from then on. It measures what the load took: time,
/// and the growth of the process's resident memory (at least the model file's size).
/// </summary>
public partial class ModelLoader(ILogger<ModelLoader> logger, SchedulerContext? scheduling = null)
{
    private readonly SchedulerContext _scheduling = scheduling ?? SchedulerContext.CreateDefault();

    /// <summary>
    /// The execution providers (<c>cuda</c>, <c>tensorrt</c>, <c>cpu</c>, in order of preference) of a model whose
    /// config.json chooses none: no <c>execution_provider</c> parameter and no KIND_CPU or KIND_GPU instance group.
    /// Empty: the CPU. A GPU deployment sets <c>cuda</c> here once instead of in every model's configuration.
    /// </summary>
    public IReadOnlyList<string> DefaultExecutionProviders { get; init; } = [];

    /// <summary>Loads one version; throws <see cref="ModelLoadException"/> with the reason when it cannot.</summary>
    public virtual LoadedModel Load(ModelSource source, ModelVersionSource version)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(version);
        var started = _scheduling.Time.GetTimestamp();
        var residentBefore = Environment.WorkingSet;
        if (!File.Exists(version.ModelPath))
        {
            throw new ModelLoadException($"version {version.Version} has no {ModelRepositoryScanner.ModelFileName}.");
        }
        // Before ONNX Runtime opens anything the model points at: its external data must stay in its folder.
        if (ExternalDataCheck.Problems(version.ModelPath) is { Count: > 0 } outside)
        {
            throw new ModelLoadException($"version {version.Version} is refused: {string.Join(" ", outside)}");
        }
        var problems = new List<string>();
        var parameters = ModelParameters.Parse(source.Config.Parameters, problems);
        var instances = Math.Max(1, source.Config.InstanceGroup?.Sum(g => g.Count) ?? 1);
        var settings = BuildSessionSettings(source, version, parameters, instances);

        var sessions = new List<OnnxSession>(instances);
        try
        {
            for (var i = 0; i < instances; i++)
            {
                sessions.Add(CreateSession(version, settings));
            }
            var first = sessions[0];
            problems.AddRange(ModelConfigValidator.ValidateAgainstModel(source.Config, first.Inputs, first.Outputs));
            if (problems.Count > 0)
            {
                throw new ModelLoadException(string.Join(" ", problems));
            }
            foreach (var reason in first.FallbackReasons)
            {
                LogProviderFallback(logger, source.Name, version.Version, reason);
            }
            var labels = ReadLabels(source);
            WarmUp(source, version, sessions);
            var fileBytes = new FileInfo(version.ModelPath).Length;
            var model = new LoadedModel(source.Name, version.Version, source.Config, new SessionPool(sessions), labels)
            {
                LoadedAt = _scheduling.Time.GetUtcNow(),
                LoadDuration = _scheduling.Time.GetElapsedTime(started),
                MemoryBytes = Math.Max(fileBytes, Environment.WorkingSet - residentBefore),
                Fingerprint = RepositoryFingerprint.OfVersion(source, version),
            };
            model.AttachScheduler(new DynamicBatchScheduler(model, sessions, BatchingPolicy.From(source.Config, _scheduling.Options), _scheduling));
            return model;
        }
        catch
        {
            sessions.ForEach(s => s.Dispose());
            throw;
        }
    }

    private static OnnxSession CreateSession(ModelVersionSource version, SessionSettings settings)
    {
        try
        {
            return OnnxSession.Create(version.ModelPath, settings);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelLoadException($"ONNX Runtime could not load version {version.Version}: {OnnxErrors.Describe(e)}", e);
        }
        catch (ExecutionProviderException e)
        {
            throw new ModelLoadException($"version {version.Version} requires a GPU provider that cannot be used here: {e.Message}", e);
        }
    }

    private SessionSettings BuildSessionSettings(ModelSource source, ModelVersionSource version, ModelParameters parameters, int instances)
    {
        var kinds = source.Config.InstanceGroup?.Select(g => g.Kind).ToArray() ?? [];
        var providerNames = parameters.ExecutionProviders.Count > 0 ? parameters.ExecutionProviders
            : kinds.Contains("KIND_GPU") ? ["cuda"]
            : kinds.Contains("KIND_CPU") ? []
            : DefaultExecutionProviders;
        var gpuId = source.Config.InstanceGroup?.SelectMany(g => g.Gpus ?? []).FirstOrDefault() ?? 0;
        var providers = providerNames.Select<string, ExecutionProvider>(name => name switch
        {
            "cuda" => new CudaExecutionProvider { DeviceId = gpuId },
            "tensorrt" => new TensorRtExecutionProvider { DeviceId = gpuId },
            _ => new CpuExecutionProvider(),
        }).ToArray();

        return new SessionSettings
        {
            // Instances run at once; giving each all the cores would oversubscribe them.
            IntraOpThreads = parameters.IntraOpThreads ?? Math.Max(1, Environment.ProcessorCount / instances),
            InterOpThreads = parameters.InterOpThreads ?? 1,
            GraphOptimizationLevel = parameters.GraphOptimizationLevel,
            ExecutionMode = parameters.ExecutionMode,
            EnableMemoryArena = parameters.EnableMemoryArena,
            ExecutionProviders = providers,
            FallbackToCpu = !parameters.RequireGpu,
            LogId = $"{source.Name}:{version.Version}",
            ConfigEntries = new Dictionary<string, string>
            {
                ["session.intra_op.allow_spinning"] = parameters.AllowSpinning ? "1" : "0",
            },
        };
    }

    private static Dictionary<string, IReadOnlyList<string>> ReadLabels(ModelSource source)
    {
        var labels = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var output in source.Config.Output ?? [])
        {
            if (output.Name is not null && output.LabelFilename is not null)
            {
                labels[output.Name] = File.ReadAllLines(Path.Combine(source.Directory, output.LabelFilename))
                    .Select(l => l.Trim())
                    .Where(l => l.Length > 0)
                    .ToArray();
            }
        }
        return labels;
    }

    /// <summary>
    /// The configured samples on every instance (a failure fails the load); without any, one run of inputs made here
    /// on every instance, whose failure is logged and forgiven (see <see cref="ModelWarmup"/>).
    /// </summary>
    private void WarmUp(ModelSource source, ModelVersionSource version, List<OnnxSession> sessions)
    {
        if (source.Config.ModelWarmup is { Count: > 0 })
        {
            foreach (var session in sessions)
            {
                ModelWarmup.RunConfigured(session, source.Config, source.Directory);
            }
            return;
        }
        foreach (var session in sessions)
        {
            if (ModelWarmup.TryRunDefault(session) is { } reason)
            {
                LogDefaultWarmupFailed(logger, source.Name, version.Version, reason);
                return; // the other instances would fail the same way
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} version {Version} serves without a warm-up: a run on inputs made up by the server failed ({Reason}); add model_warmup to its config.json with inputs it accepts")]
    private static partial void LogDefaultWarmupFailed(ILogger logger, string model, long version, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} version {Version} runs on the CPU: {Reason}")]
    private static partial void LogProviderFallback(ILogger logger, string model, long version, string reason);
}

/// <summary>Why a model version could not be loaded; the message is fit to show to operators and clients.</summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string message) : base(message) { }

    public ModelLoadException(string message, Exception innerException) : base(message, innerException) { }

    public ModelLoadException() : base("The model could not be loaded.") { }
}
