using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Repository;

/// <summary>Triton's configuration data type names (TYPE_FP32, …) and the ONNX element types they stand for.</summary>
public static class TritonDataType
{
    private static readonly Dictionary<string, TensorElementType> s_byName = new(StringComparer.Ordinal)
    {
        ["TYPE_BOOL"] = TensorElementType.Bool,
        ["TYPE_UINT8"] = TensorElementType.UInt8,
        ["TYPE_UINT16"] = TensorElementType.UInt16,
        ["TYPE_UINT32"] = TensorElementType.UInt32,
        ["TYPE_UINT64"] = TensorElementType.UInt64,
        ["TYPE_INT8"] = TensorElementType.Int8,
        ["TYPE_INT16"] = TensorElementType.Int16,
        ["TYPE_INT32"] = TensorElementType.Int32,
        ["TYPE_INT64"] = TensorElementType.Int64,
        ["TYPE_FP16"] = TensorElementType.Float16,
        ["TYPE_FP32"] = TensorElementType.Float,
        ["TYPE_FP64"] = TensorElementType.Double,
        ["TYPE_BF16"] = TensorElementType.BFloat16,
        ["TYPE_STRING"] = TensorElementType.String,
    };

    public static bool TryParse(string name, out TensorElementType type) => s_byName.TryGetValue(name, out type);

    public static string ToName(TensorElementType type) =>
        s_byName.FirstOrDefault(p => p.Value == type).Key ?? $"TYPE_{type.ToString().ToUpperInvariant()}";
}
