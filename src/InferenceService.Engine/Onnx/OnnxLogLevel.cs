using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Onnx;

/// <summary>ONNX Runtime's log severities under the names the configuration uses (<c>OnnxRuntime:LogLevel</c>).</summary>
public enum OnnxLogLevel
{
    Verbose = OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE,
    Info = OrtLoggingLevel.ORT_LOGGING_LEVEL_INFO,
    Warning = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
    Error = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
    Fatal = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
}
