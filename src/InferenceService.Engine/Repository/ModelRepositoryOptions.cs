namespace InferenceService.Engine.Repository;

/// <summary>Triton's model control modes: who decides which models of the repository are loaded.</summary>
public enum ModelControlMode
{
    /// <summary>Every model at startup, as the repository holds it; load and unload are refused.</summary>
    None,

    /// <summary>The models named at startup, then the load and unload routes decide.</summary>
    Explicit,

    /// <summary>The repository is rescanned periodically: new models and versions load, removed ones unload, changed ones reload.</summary>
    Poll,
}

/// <summary>The <c>ModelRepository</c> configuration section.</summary>
public sealed class ModelRepositoryOptions
{
    public const string SectionName = "ModelRepository";

    /// <summary>The repository folder. Empty: the models/ folder of the source tree, found from the application's folder upwards.</summary>
    public string? Path { get; set; }

    /// <summary>
    /// Strict readiness (Triton's default): the server is ready only when every model version the repository asks for
    /// is ready. Off: ready once loading has finished, whatever failed.
    /// </summary>
    public bool StrictReadiness { get; set; } = true;

    /// <summary>
    /// Serve <see cref="Path"/> as the folder of one model with this name instead of as a repository of models: KServe
    /// mounts one model's files at /mnt/models and routes <c>/v2/models/&lt;InferenceService name&gt;</c> to it.
    /// Empty: a repository.
    /// </summary>
    public string? ModelName { get; set; }

    /// <summary>How many models load at once. 0: one per processor.</summary>
    public int LoadConcurrency { get; set; }

    /// <summary>
    /// Who decides which models are loaded (Triton's model control modes): <c>none</c> (every model at startup; the
    /// load and unload routes are refused), <c>explicit</c> (<see cref="LoadModels"/> at startup, then the routes), or
    /// <c>poll</c> (the repository is rescanned every <see cref="PollIntervalSeconds"/> and followed).
    /// </summary>
    public ModelControlMode ControlMode { get; set; } = ModelControlMode.None;

    /// <summary>Under <c>explicit</c>: the models loaded at startup (names, or <c>*</c> for all; an entry may hold several, comma-separated).</summary>
    public IList<string> LoadModels { get; set; } = [];

    /// <summary>Under <c>poll</c>: seconds between two scans. A change is picked up once two scans in a row saw the same files.</summary>
    public double PollIntervalSeconds { get; set; } = 15;

    /// <summary>
    /// The memory the loaded models may take, in bytes, as measured at their loads; 0: no budget. With a budget (or
    /// <see cref="MaxLoadedModels"/>), a request for a model of the repository that is not loaded loads it, and the
    /// least recently used idle models are unloaded to make room.
    /// </summary>
    public long MemoryBudgetBytes { get; set; }

    /// <summary>At most this many models loaded at once (as <see cref="MemoryBudgetBytes"/>); 0: no limit.</summary>
    public int MaxLoadedModels { get; set; }

    /// <summary>How long a request waits for its model to load on demand before it is answered 503.</summary>
    public double OnDemandLoadTimeoutSeconds { get; set; } = 30;

    /// <summary>How long an unloaded or replaced version waits for its admitted requests before its sessions are released anyway.</summary>
    public double DrainTimeoutSeconds { get; set; } = 30;

    /// <summary>Whether a request for a model that is not loaded loads it (a budget or a model limit is set).</summary>
    public bool LoadsOnDemand => MemoryBudgetBytes > 0 || MaxLoadedModels > 0;

    /// <summary>The models <see cref="LoadModels"/> names, each once; null: all of them (<c>*</c>).</summary>
    public IReadOnlySet<string>? StartupModels()
    {
        var names = LoadModels.SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal);
        return names.Contains("*") ? null : names;
    }

    /// <summary>The configured path, or the nearest models/ folder above the application's folder.</summary>
    public string ResolvePath()
    {
        if (!string.IsNullOrWhiteSpace(Path))
        {
            return System.IO.Path.GetFullPath(Path);
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "models");
            if (Directory.Exists(candidate) && File.Exists(System.IO.Path.Combine(dir.FullName, "InferenceService.sln")))
            {
                return candidate;
            }
        }
        return System.IO.Path.GetFullPath("models");
    }
}
