using InferenceService.OnnxRuntime;

namespace InferenceService.Hosting;

/// <summary>The <c>OnnxRuntime</c> configuration section.</summary>
internal sealed class OnnxRuntimeOptions
{
    public const string SectionName = "OnnxRuntime";

    /// <summary>The ONNX Runtime library to load (e.g. the GPU build in a container). Empty: the one next to the app.</summary>
    public string? LibraryPath { get; set; }

    /// <summary>The least severe ONNX Runtime message that reaches the log.</summary>
    public OrtLogLevel LogLevel { get; set; } = OrtLogLevel.Warning;
}
