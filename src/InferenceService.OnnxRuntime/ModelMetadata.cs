namespace InferenceService.OnnxRuntime;

/// <summary>The descriptive metadata stored in an ONNX model file.</summary>
public sealed record ModelMetadata(
    string ProducerName,
    string GraphName,
    string Domain,
    string Description,
    string GraphDescription,
    long Version,
    IReadOnlyDictionary<string, string> CustomMetadata);
