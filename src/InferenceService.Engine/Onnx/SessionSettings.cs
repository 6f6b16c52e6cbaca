namespace InferenceService.Engine.Onnx;

/// <summary>ONNX Runtime's graph optimization levels, under the names config.json uses.</summary>
public enum GraphOptimizationLevel
{
    DisableAll = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}

/// <summary>Whether the nodes of a graph run one at a time or, where independent, in parallel.</summary>
public enum ExecutionMode
{
    Sequential = 0,
    Parallel = 1,
}

/// <summary>
/// How an <see cref="OnnxSession"/> is created: what a model's configuration decides, as an immutable value that one
/// load shares between its instances. <see cref="OnnxSession.Create(string, SessionSettings?)"/> turns it into ONNX Runtime's own (disposable)
/// <c>SessionOptions</c>.
/// </summary>
public sealed record SessionSettings
{
    /// <summary>Threads used inside one operator. 0: ONNX Runtime's default (one per physical core). Not negative.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads used to run independent operators at once (with <see cref="ExecutionMode.Parallel"/>). 0: default. Not negative.</summary>
    public int InterOpThreads { get; init; }

    public GraphOptimizationLevel GraphOptimizationLevel { get; init; } = GraphOptimizationLevel.All;

    public ExecutionMode ExecutionMode { get; init; } = ExecutionMode.Sequential;

    /// <summary>ONNX Runtime's CPU memory arena: faster repeated runs, memory kept after peaks.</summary>
    public bool EnableMemoryArena { get; init; } = true;

    /// <summary>Execution providers in order of preference. The CPU provider is always there last, implicitly.</summary>
    public IReadOnlyList<ExecutionProvider> ExecutionProviders { get; init; } = [];

    /// <summary>
    /// When a GPU provider asked for cannot be used (not in this build, a CUDA library missing, no device): true runs
    /// on the CPU and reports why in <see cref="OnnxSession.FallbackReasons"/>; false fails the session's creation.
    /// </summary>
    public bool FallbackToCpu { get; init; } = true;

    /// <summary>The identifier ONNX Runtime puts on this session's log messages.</summary>
    public string? LogId { get; init; }

    /// <summary>The least severe message this session logs. Null: the environment's level.</summary>
    public OnnxLogLevel? LogLevel { get; init; }

    /// <summary>
    /// Raw session configuration entries (<c>AddSessionConfigEntry</c>), e.g. "session.intra_op.allow_spinning" = "0"
    /// so idle intra-op threads do not spin on a busy server.
    /// </summary>
    public IReadOnlyDictionary<string, string> ConfigEntries { get; init; } = new Dictionary<string, string>();
}
