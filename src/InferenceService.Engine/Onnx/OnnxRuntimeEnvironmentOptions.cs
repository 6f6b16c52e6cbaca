using Microsoft.Extensions.Logging;

namespace InferenceService.Engine.Onnx;

/// <summary>How the process-wide ONNX Runtime environment is created (<see cref="OnnxRuntimeEnvironment.Initialize"/>).</summary>
public sealed record OnnxRuntimeEnvironmentOptions
{
    /// <summary>
    /// A native ONNX Runtime library to load instead of the one the NuGet package ships (a custom build). Empty: the
    /// package's. Only honoured before ONNX Runtime is first used in the process.
    /// </summary>
    public string? LibraryPath { get; init; }

    /// <summary>The least severe message ONNX Runtime logs.</summary>
    public OnnxLogLevel LogLevel { get; init; } = OnnxLogLevel.Warning;

    /// <summary>Where ONNX Runtime's log goes (category <c>OnnxRuntime</c>). Null: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The environment's log id, in front of messages that belong to no session.</summary>
    public string LogId { get; init; } = "InferenceService";

    /// <summary>
    /// Whether ONNX Runtime may send its usage telemetry to Microsoft, as its own builds do unless told not to. False
    /// (the default): turned off before the environment is created (see <see cref="OnnxTelemetry"/>). True: left to
    /// ONNX Runtime and its <c>ORT_DISABLE_TELEMETRY</c> variable.
    /// </summary>
    public bool Telemetry { get; init; }
}
