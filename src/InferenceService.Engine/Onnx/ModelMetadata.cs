namespace InferenceService.Engine.Onnx;

/// <summary>The descriptive metadata stored in an ONNX model file, copied out of ONNX Runtime's disposable one.</summary>
public sealed record ModelMetadata(
    string ProducerName,
    string GraphName,
    string Domain,
    string Description,
    string GraphDescription,
    long Version,
    IReadOnlyDictionary<string, string> CustomMetadata)
{
    public static ModelMetadata From(Microsoft.ML.OnnxRuntime.ModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return new ModelMetadata(metadata.ProducerName, metadata.GraphName, metadata.Domain, metadata.Description,
            metadata.GraphDescription, metadata.Version, new Dictionary<string, string>(metadata.CustomMetadataMap, StringComparer.Ordinal));
    }
}
