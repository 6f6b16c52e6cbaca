namespace InferenceService.OnnxRuntime;

/// <summary>ONNX Runtime's graph optimization levels (<c>GraphOptimizationLevel</c>), with the same values.</summary>
public enum GraphOptimizationLevel
{
    DisableAll = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}

/// <summary>Whether the nodes of a graph run one at a time or, where independent, in parallel (<c>ExecutionMode</c>).</summary>
public enum ExecutionMode
{
    Sequential = 0,
    Parallel = 1,
}

/// <summary>How an <see cref="InferenceSession"/> is created. Immutable; one instance can serve many sessions.</summary>
public sealed record SessionOptions
{
    /// <summary>Threads used inside one operator. 0: ONNX Runtime's default (one per physical core). Not negative.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads used to run independent operators at once (with <see cref="ExecutionMode.Parallel"/>). 0: default. Not negative.</summary>
    public int InterOpThreads { get; init; }

    public GraphOptimizationLevel GraphOptimizationLevel { get; init; } = GraphOptimizationLevel.All;

    public ExecutionMode ExecutionMode { get; init; } = ExecutionMode.Sequential;

    /// <summary>ONNX Runtime's CPU memory arena: faster repeated runs, memory kept after peaks.</summary>
    public bool EnableMemoryArena { get; init; } = true;

    /// <summary>Where to write the graph as optimized, for inspection. Null: not written.</summary>
    public string? OptimizedModelPath { get; init; }

    /// <summary>Execution providers in order of preference. The CPU provider is always there last, implicitly.</summary>
    public IReadOnlyList<ExecutionProvider> ExecutionProviders { get; init; } = [];

    /// <summary>
    /// When a GPU provider asked for cannot be used (not in this build, no device, driver missing): true runs on the
    /// CPU and reports why in <see cref="InferenceSession.FallbackReasons"/>; false fails the session's creation.
    /// </summary>
    public bool FallbackToCpu { get; init; } = true;

    /// <summary>The identifier ONNX Runtime puts on this session's log messages.</summary>
    public string? LogId { get; init; }

    /// <summary>
    /// The least severe message this session logs, while it is created and when it runs. Null: the environment's
    /// level (<see cref="OrtEnvironmentOptions.LogLevel"/>, fixed when the environment is created). This is the way
    /// to get ONNX Runtime's Info and Verbose messages for one model: <see cref="RunOptions.LogLevel"/> only filters
    /// the messages of a run, and a release build of ONNX Runtime logs almost nothing verbose during a run.
    /// </summary>
    public OrtLogLevel? LogLevel { get; init; }

    /// <summary>
    /// Raw session configuration entries (<c>AddSessionConfigEntry</c>), e.g. "session.intra_op.allow_spinning" = "0"
    /// so idle intra-op threads do not spin on a busy server.
    /// </summary>
    public IReadOnlyDictionary<string, string> ConfigEntries { get; init; } = new Dictionary<string, string>();
}
