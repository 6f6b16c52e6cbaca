using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Onnx;

/// <summary>
/// A model input or output as the model declares it. <see cref="Shape"/> has -1 for every dimension that is not
/// fixed; <see cref="SymbolicDimensions"/> has the dimension's name there ("batch"), or an empty string. Anything but
/// a tensor has <see cref="IsTensor"/> false and no shape.
/// </summary>
public sealed record TensorInfo(
    string Name,
    OnnxValueType Kind,
    TensorElementType ElementType,
    IReadOnlyList<long> Shape,
    IReadOnlyList<string> SymbolicDimensions)
{
    public bool IsTensor => Kind == OnnxValueType.ONNX_TYPE_TENSOR;

    /// <summary>What kind of value this is, in a word fit for a message ("Tensor", "Sequence", "Map", …).</summary>
    public string KindName => Kind switch
    {
        OnnxValueType.ONNX_TYPE_TENSOR => "Tensor",
        OnnxValueType.ONNX_TYPE_SEQUENCE => "Sequence",
        OnnxValueType.ONNX_TYPE_MAP => "Map",
        OnnxValueType.ONNX_TYPE_OPAQUE => "Opaque",
        OnnxValueType.ONNX_TYPE_SPARSETENSOR => "SparseTensor",
        OnnxValueType.ONNX_TYPE_OPTIONAL => "Optional",
        _ => "Unknown",
    };

    /// <summary>Whether dimension <paramref name="index"/> accepts any size.</summary>
    public bool IsDynamic(int index) => Shape[index] < 0;

    /// <summary>Our view of one entry of <see cref="InferenceSession.InputMetadata"/> or <see cref="InferenceSession.OutputMetadata"/>.</summary>
    public static TensorInfo From(string name, NodeMetadata node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!node.IsTensor)
        {
            return new TensorInfo(name, node.OnnxValueType, default, [], []);
        }
        var symbolic = node.SymbolicDimensions.Select(s => s ?? "").ToArray();
        var shape = new long[node.Dimensions.Length];
        for (var d = 0; d < shape.Length; d++)
        {
            // ONNX Runtime reports a dimension without a fixed size as -1 (or 0 in some older exporters' files).
            var size = node.Dimensions[d];
            shape[d] = size < 0 || (size == 0 && symbolic[d].Length > 0) ? -1 : size;
        }
        return new TensorInfo(name, node.OnnxValueType, node.ElementDataType, shape, symbolic);
    }
}
