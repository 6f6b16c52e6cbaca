using InferenceService.OnnxRuntime;

namespace InferenceService.Hosting;

/// <summary>The <c>OnnxRuntime</c> configuration section.</summary>
internal sealed class OnnxRuntimeOptions
{
    public const string SectionName = "OnnxRuntime";

    /// <summary>The ONNX Runtime library to load (e.g. the GPU build in a container). Empty: the one next to the app.</summary>
    public string? LibraryPath { get; set; }

    /// <summary>
    /// The execution providers of models whose config.json chooses none, comma-separated in order of preference
    /// (<c>cuda</c>, <c>tensorrt</c>, <c>cpu</c>). Empty: the CPU. The GPU image's deployments set <c>cuda</c>.
    /// </summary>
    public string? ExecutionProviders { get; set; }

    /// <summary>The least severe ONNX Runtime message that reaches the log.</summary>
    public OrtLogLevel LogLevel { get; set; } = OrtLogLevel.Warning;
}
