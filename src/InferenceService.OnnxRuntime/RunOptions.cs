namespace InferenceService.OnnxRuntime;

/// <summary>Per-run settings. Immutable: the same instance can be passed to concurrent runs.</summary>
public sealed record RunOptions
{
    /// <summary>A tag ONNX Runtime puts on this run's log messages (a request id, say).</summary>
    public string? Tag { get; init; }

    /// <summary>The least severe message this run logs. Null: the environment's level.</summary>
    public OrtLogLevel? LogLevel { get; init; }
}
