using Microsoft.Extensions.Logging;

namespace InferenceService.OnnxRuntime;

/// <summary>How the process-wide <see cref="OrtEnvironment"/> is created.</summary>
public sealed record OrtEnvironmentOptions
{
    /// <summary>
    /// The ONNX Runtime library to load. Empty: the <c>ONNXRUNTIME_LIBRARY_PATH</c> environment variable, then the
    /// copy next to the application, then the operating system's search path.
    /// </summary>
    public string? LibraryPath { get; init; }

    /// <summary>The least severe ONNX Runtime message that is passed on to the logger.</summary>
    public OrtLogLevel LogLevel { get; init; } = OrtLogLevel.Warning;

    /// <summary>Where ONNX Runtime's own log messages go (category "OnnxRuntime"). None: they are dropped.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The log identifier ONNX Runtime puts on its messages.</summary>
    public string LogId { get; init; } = "InferenceService";
}
