namespace InferenceService.OnnxRuntime;

/// <summary>ONNX Runtime's log severities (<c>OrtLoggingLevel</c>), with the same values.</summary>
public enum OrtLogLevel
{
    Verbose = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}
